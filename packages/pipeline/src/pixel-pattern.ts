import { missingVoxels, pixelPattern, withMissing } from '@dmdet/preprocess';
import type { Volume } from '@dmdet/volume-io';

/**
 * The `pixelPattern` above which `detect` warns: no stack without a pattern read above 1.30 (the
 * robustness benchmark's, 280 of the training family's with the virus validation volumes, the
 * tissue-like probe's and 72 with diffraction PSFs), while sCMOS offsets spread as much as the read
 * noise read 1.1–3.8 and cost the faintest spots (docs/robustness.md, "An sCMOS camera's pixel
 * pattern"; `tools/analysis/pixel-pattern-check.ts`).
 */
export const PIXEL_PATTERN_WARNING = 1.5;

/**
 * Whether a model's weights were trained with an sCMOS pixel pattern in their data: its `training`
 * notes say `data.general.cameraPattern` (`true` or `'always'`, as `tools/train-general-model.ts
 * --camera-pattern` or `--camera-pattern-always` writes;
 * the built-in `scmos` model's do), or it was fine-tuned from the built-in `scmos` (`from: 'scmos'`,
 * as `dmdet train --from scmos` writes).
 */
export function trainedWithPixelPattern(training: Record<string, unknown> | undefined): boolean {
  const pattern = (training?.['data'] as { general?: { cameraPattern?: unknown } } | undefined)?.general
    ?.cameraPattern;
  return pattern === true || pattern === 'always' || training?.['from'] === 'scmos';
}

/**
 * The warning for a volume whose pixel pattern reads `ratio` (above {@link PIXEL_PATTERN_WARNING});
 * for a model not trained with such patterns it also points to the built-in `scmos` model, which was.
 */
export function pixelPatternWarning(ratio: number, patternTrained = false): string {
  return `a pattern repeated in every slice, ${ratio.toFixed(1)}× what the noise alone would give (a camera's per-pixel offsets, as an sCMOS has): spots near the noise may be missed; subtract the camera's offset (dark) image first${patternTrained ? '' : ", or detect with the model trained with such patterns (--model scmos, loadModel('scmos'))"}`;
}

/**
 * The built-in model for a stack whose pixel pattern reads `pixelPattern` (`DetectResult`'s or
 * `DetectInBlocksResult`'s, or {@link readPixelPattern}'s): `'scmos'`, trained with sCMOS pixel
 * patterns, where the pattern stands above what noise alone gives (above 1.5, the level at which
 * `detect` warns: no stack without a pattern read above 1.30 in the project's checks); `'default'`
 * elsewhere, and where no pattern could be read (fewer than 8 slices). `dmdet detect` without
 * `--model` follows it. On held-out SNR-2 stacks with a pattern, `scmos` scored 0.686 against
 * 0.563 where the pattern read above 2.5 (better in 8 of 8) and 0.888 against 0.866 at 1.5–2.5 (4
 * of 5); below 1.5 it is worse (docs/default-model.md, "`scmos`").
 *
 * @example
 * let result = await detect(volume, { model: await loadModel('default') });
 * if (modelForPixelPattern(result.pixelPattern) === 'scmos')
 *   result = await detect(volume, { model: await loadModel('scmos') });
 */
export function modelForPixelPattern(pixelPattern: number | undefined): 'default' | 'scmos' {
  return pixelPattern !== undefined && pixelPattern > PIXEL_PATTERN_WARNING ? 'scmos' : 'default';
}

/**
 * The pixel pattern `detect` reads in `volume` (its result's `pixelPattern`), without detecting:
 * voxels without data (NaN, padding) left out as `detect` leaves them. Undefined for fewer than 8
 * slices or a volume with no noise. Lets a caller choose the model ({@link modelForPixelPattern})
 * before one pass instead of after.
 *
 * @example
 * const model = await loadModel(modelForPixelPattern(readPixelPattern(volume)));
 */
export function readPixelPattern(volume: Volume): number | undefined {
  const missing = missingVoxels(volume);
  if (missing && missing.nonFinite + missing.padding === volume.data.length) return undefined;
  return pixelPattern(missing ? withMissing(volume, missing, 'nan') : volume)?.ratio;
}
