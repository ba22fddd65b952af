/**
 * The training recipe shared by the built-in model (tools/train-default-model.ts) and the Table 1
 * reproduction (tools/bench-table1.ts): AMSGrad, batch 4, 10×64×64 crops with flips, a fixed number
 * of epochs (no early stopping), the data seed, gradients and validation predictions on a worker
 * pool of the model being trained. Two stages:
 *
 * 1. {@link trainStage} from a new network, instance normalisation as in the paper, percentile input.
 * 2. {@link freezeStage}: each instance-normalisation layer's statistics measured over the training
 *    volumes and frozen (`freezeNormalization`), the input mapped from its median and typical
 *    bright-spot peak to 0 and 1 (`{ method: 'spots' }`, {@link FREEZE}), then more epochs so the map
 *    is calibrated under the fixed statistics.
 */
import { availableParallelism } from 'node:os';
import type { LossName } from '@dmdet/losses';
import { type InputNormalization, InstanceNormalization, type TrainingProgress } from '@dmdet/model';
import {
  type DetectorModel,
  FROZEN_NORMALIZATION,
  freezeDetector,
  type LabeledVolume,
  lossOptionsFor,
  trainDetector,
} from '@dmdet/pipeline';
import { ModelWorkerPool } from '@dmdet/pipeline/node';
import { DATA_SEED } from './benchmark-data';

/** What a network is trained as. */
export interface NetworkKind {
  architecture: 'dm-detnet3d' | 'detnet3d';
  loss?: LossName;
}

/** The settings of one stage. */
export interface StageOptions {
  kind: NetworkKind;
  split: { train: readonly LabeledVolume[]; validation: readonly LabeledVolume[] };
  epochs: number;
  stepsPerEpoch: number;
  /** Worker threads. Default: every core. */
  workers?: number;
  /** Stored in the metadata's training record. */
  notes?: Record<string, unknown>;
  /** Prefix of the progress lines on stderr. */
  label?: string;
}

const progress =
  (label: string) =>
  (p: TrainingProgress): void => {
    if (p.phase === 'epoch')
      console.error(
        `${label}epoch ${p.epoch}/${p.maxEpochs}: train ${p.trainLoss.toFixed(4)}, validation ${p.validationLoss?.toFixed(4)}${p.best ? ' (best)' : ''}, ${(p.elapsedMs / 1000).toFixed(0)} s`,
      );
  };

/** Trains `model` for `options.epochs` on a worker pool of it; the minutes go into the metadata. */
export async function trainStage(
  model: DetectorModel['model'],
  options: StageOptions,
  normalization?: InputNormalization,
): Promise<{ detector: DetectorModel; minutes: number }> {
  const pool = await ModelWorkerPool.create(model, {
    workers: options.workers ?? availableParallelism(),
    backend: 'wasm',
    loss: lossOptionsFor(options.kind),
  });
  const started = Date.now();
  try {
    const { detector } = await trainDetector(options.split.train, options.split.validation, {
      ...options.kind,
      model,
      epochs: options.epochs,
      stepsPerEpoch: options.stepsPerEpoch,
      batchSize: 4,
      crop: [10, 64, 64],
      earlyStopping: false,
      seed: DATA_SEED,
      workers: pool,
      predictor: pool,
      ...(normalization ? { normalization } : {}),
      ...(options.notes ? { notes: options.notes } : {}),
      onProgress: progress(options.label ?? ''),
    });
    const minutes = (Date.now() - started) / 60000;
    (detector.metadata.training as Record<string, unknown>)['minutes'] = Number(minutes.toFixed(1));
    return { detector, minutes };
  } finally {
    await pool.close();
  }
}

/** Whether a detector's normalisation statistics are already fixed (stage 2 done). */
export function isFrozen(detector: DetectorModel): boolean {
  return detector.model.layers.some((l) => l instanceof InstanceNormalization && l.statistics === 'fixed');
}

/** How stage 2 freezes: how many input-side layers keep per-volume statistics, and the input normalisation. */
export interface FreezeSettings {
  keepInstance: number;
  normalization: InputNormalization;
}

/** The recipe's stage 2, chosen by measurement (docs/results.md, "Sparse volumes"): every layer frozen, {@link FROZEN_NORMALIZATION}. */
export const FREEZE: FreezeSettings = { keepInstance: 0, normalization: FROZEN_NORMALIZATION };

/**
 * Stage 2: freezes a stage-1 detector's normalisation statistics over the training volumes and
 * trains `options.epochs` more; the metadata keeps stage 1's record.
 */
export async function freezeStage(
  stage1: DetectorModel,
  options: StageOptions,
  settings: FreezeSettings = FREEZE,
): Promise<{ detector: DetectorModel; minutes: number }> {
  const started = Date.now();
  const { model: frozen } = await freezeDetector(
    stage1.model,
    options.split.train.map((s) => s.volume),
    settings,
  );
  const first = stage1.metadata.training ?? {};
  const { detector } = await trainStage(
    frozen,
    {
      ...options,
      notes: {
        ...options.notes,
        normalizationStatistics:
          settings.keepInstance > 0
            ? `fixed (measured over the training volumes) but in the first ${settings.keepInstance} layer(s)`
            : 'fixed (measured over the training volumes)',
        instanceStage: {
          epochs: first['epochs'],
          minutes: first['minutes'],
          threshold: stage1.metadata.threshold,
        },
      },
    },
    settings.normalization,
  );
  const minutes = (Date.now() - started) / 60000;
  (detector.metadata.training as Record<string, unknown>)['minutes'] = Number(minutes.toFixed(1));
  return { detector, minutes };
}

/** Epochs of both stages from a saved detector's metadata: `instance + frozen`, or one number. */
export function stageEpochs(detector: DetectorModel): { epochs: number; frozenEpochs?: number } {
  const training = detector.metadata.training as Record<string, unknown> | undefined;
  const epochs = Number(training?.['epochs'] ?? Number.NaN);
  const first = training?.['instanceStage'] as Record<string, unknown> | undefined;
  return first ? { epochs: Number(first['epochs'] ?? Number.NaN), frozenEpochs: epochs } : { epochs };
}
