import type { BackendName } from '@dmdet/model';
import type { DetectorModel } from '../detect';
import { saveDetector } from '../node';
import { type LabeledVolume, tuneThreshold } from '../train-detector';
import { UsageError } from './args';
import type { CliIo } from './progress';
import { startPool } from './runtime';

/** The `dmdet train` options that train, which `--threshold-only` refuses. */
export const TRAINING_ONLY_OPTIONS = [
  'minutes',
  'epochs',
  'lr',
  'no-augment',
  'steps-per-epoch',
  'batch-size',
  'crop',
  'architecture',
  'loss',
  'patience',
  'freeze-epochs',
  'resume',
] as const;

/** Refuses `--threshold-only` without `--from`, or with an option that only training uses. */
export function checkThresholdOnly(values: Record<string, unknown>): void {
  if (values['from'] === undefined)
    throw new UsageError(
      '--threshold-only needs --from <model>: the model whose threshold to choose',
      'train',
    );
  const given = TRAINING_ONLY_OPTIONS.filter((o) => values[o] !== undefined);
  if (given.length > 0)
    throw new UsageError(
      `--threshold-only trains nothing: drop ${given.map((o) => `--${o}`).join(', ')}`,
      'train',
    );
}

/**
 * `dmdet train --threshold-only`: the model's threshold chosen on every annotated volume (none held
 * out: nothing is trained), saved with the rest of the model unchanged; prints the F1 on them at
 * the new threshold and at the model's own.
 */
export async function thresholdOnly(
  source: DetectorModel,
  from: string,
  volumes: readonly LabeledVolume[],
  out: string,
  run: { backend: BackendName; workers: number; json: boolean },
  io: CliIo,
): Promise<number> {
  const started = Date.now();
  const pool = await startPool(source.model, run.backend, run.workers);
  let result: Awaited<ReturnType<typeof tuneThreshold>>;
  try {
    result = await tuneThreshold(source, volumes, pool ? { predictor: pool } : {});
  } finally {
    await pool?.close();
  }
  await saveDetector(result.detector, out, { overwrite: true });
  const { metadata } = result.detector;
  const spots = volumes.reduce((n, v) => n + v.points.length, 0);
  const summary = {
    model: out,
    from,
    volumes: volumes.length,
    spots,
    threshold: metadata.threshold,
    ...(metadata.thresholdRule ? { thresholdRule: metadata.thresholdRule } : {}),
    f1: result.meanF1,
    sourceF1: result.sourceF1,
    seconds: (Date.now() - started) / 1000,
    backend: run.backend,
    workers: run.workers,
  };
  if (run.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else
    io.stdout.write(
      `model saved to ${out}: ${from} with its threshold chosen on ${volumes.length} annotated volume${volumes.length === 1 ? '' : 's'} (${spots} spots): ${metadata.thresholdRule ? 'a threshold rule' : `threshold ${metadata.threshold?.toFixed(3)}`}, F1 ${result.meanF1.toFixed(3)} on them (${from} as it was: ${result.sourceF1.toFixed(3)}), ${summary.seconds.toFixed(0)} s\n` +
        `detect with it: dmdet detect <stack.tif> --model ${out}\n`,
    );
  return 0;
}
