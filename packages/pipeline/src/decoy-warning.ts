/**
 * The decoy raise from which `detect` warns: a volume whose decoy (its input mirrored about the
 * background) moved the threshold up by 0.2 or more holds many maxima that score as spots do and are
 * not. On the dumps the decoy term was chosen on (136 volumes: family volumes with the acquisition
 * effects, the tissue-like scene, robustness scenarios), the 6 volumes raised that far
 * scored F1 0.25–0.74 after the raise; on the robustness benchmark's held-out volumes and
 * the virus set the decoy raised none (docs/default-model.md, the `thresholdRule` bullet;
 * `tools/analysis/decoy_threshold.py <dumps> --raised` lists them).
 */
export const DECOY_RAISE_WARNING = 0.2;

/**
 * Whether a decoy raise draws the warning: at least {@link DECOY_RAISE_WARNING}, give or take the
 * rounding of its 0.01 steps (a threshold raised 20 steps from 0.345 stands 0.19999999999999996 above it).
 */
export function decoyRaiseWarns(raise: number): boolean {
  return raise >= DECOY_RAISE_WARNING - 1e-9;
}

/**
 * Whether a model's weights were trained with the `general` family's acquisition effects (granular
 * cell texture among them): its `training` notes say `data.general.effects` (`true`, or the
 * fraction of the volumes that had them, as `tools/train-general-model.ts --effects` or
 * `--effects-fraction` writes; the built-in `tissue` model's do), or it was
 * fine-tuned from the built-in `tissue` (`from: 'tissue'`, as `dmdet train --from tissue` writes).
 */
export function trainedWithEffects(training: Record<string, unknown> | undefined): boolean {
  const effects = (training?.['data'] as { general?: { effects?: unknown } } | undefined)?.general?.effects;
  return effects === true || (typeof effects === 'number' && effects > 0) || training?.['from'] === 'tissue';
}

/**
 * The warning for a volume (or, with `blocks`, the blocks of one) whose decoy check raised the
 * threshold by `raise` ({@link decoyRaiseWarns}): its detections are the least sure a
 * volume gets. For a model not trained with grainy cells it also points to the built-in `tissue`
 * model, which was.
 */
export function decoyRaiseWarning(
  raise: number,
  effectsTrained = false,
  blocks?: { raised: number; total: number },
): string {
  const where = blocks ? ` in ${blocks.raised} of ${blocks.total} blocks` : '';
  return `the decoy check raised the threshold by ${blocks ? 'up to ' : ''}${raise.toFixed(2)}${where}: many maxima here score as spots do but are not (a granular texture, grains of a spot's size?), so these detections are less sure than most. Check some against the stack; a threshold chosen on a few annotated stacks (dmdet train --threshold-only) fits such data best${effectsTrained ? '' : ", or try the model trained with grainy cells (--model tissue, loadModel('tissue'))"}`;
}
