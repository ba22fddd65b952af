import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LossName } from '@dmdet/losses';
import { createDetNet3D, createDmDetNet3D, type TrainingProgress } from '@dmdet/model';
import { loadCheckpoint, removeCheckpoint, saveCheckpoint } from '@dmdet/model/node';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { PipelineError } from '../errors';
import { freezeDetector } from '../freeze-detector';
import { readDataset, saveDetector } from '../node';
import { lossOptionsFor, type TrainDetectorConfig, trainDetector } from '../train-detector';
import { numberOption, parse, tripleOption, UsageError } from './args';
import { type CliIo, Progress } from './progress';
import { COMPUTE_OPTIONS, checkWritable, startBackend, startPool } from './runtime';

export const TRAIN_HELP = `Usage: dmdet train --data <manifest.json> [options]

Trains a detector on a dataset manifest (dmdet simulate writes one): density-map targets, AWing loss
with the weight map, AMSGrad, random crops and flips, early stopping on the validation split; then
chooses the detection threshold on the validation split and saves the model folder.

Options:
  --data <manifest.json>   the dataset
  --out <folder>           model folder to write (default dmdet-model); a checkpoint is kept in
                           <folder>/checkpoint while training
  --epochs <n>             most epochs (default 50)
  --steps-per-epoch <n>    default: training volumes / batch size
  --batch-size <n>         default 4
  --crop <z,y,x>           random crop size (default up to 16,64,64)
  --architecture <name>    dm-detnet3d (default) or detnet3d
  --loss <name>            awing (default for dm-detnet3d), mse, bce (default for detnet3d), focal
  --patience <n>           early-stopping patience in epochs (default 10)
  --freeze-epochs <n>      then a second stage: normalisation statistics frozen over the training
                           volumes, input from its median and bright-spot peak ('spots'), n more epochs
                           (default 0: none; the ptc-virus model had 60 after 60)
  --seed <n>               default 0
  --resume                 continue from <out>/checkpoint
  --backend <name>         auto (default), wasm, cpu, tensorflow, tensorflow-gpu
  --workers <n>            worker threads computing gradients (default: one per core)
  --force                  replace an existing model folder
  --json                   print the result as JSON
  --quiet                  no progress

Examples:
  dmdet simulate --count 4 --shape 10,128,128 --out data && dmdet train --data data/manifest.json
  dmdet train --data data/manifest.json --out models/run1 --epochs 100 --resume
  dmdet train --data data/manifest.json --epochs 60 --freeze-epochs 30
`;

export async function trainCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('train', argv, {
    data: { type: 'string' },
    out: { type: 'string' },
    epochs: { type: 'string' },
    'steps-per-epoch': { type: 'string' },
    'batch-size': { type: 'string' },
    crop: { type: 'string' },
    architecture: { type: 'string' },
    loss: { type: 'string' },
    patience: { type: 'string' },
    'freeze-epochs': { type: 'string' },
    seed: { type: 'string' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...COMPUTE_OPTIONS,
  });
  if (values['help']) {
    io.stdout.write(TRAIN_HELP);
    return 0;
  }
  const data = values['data'] as string | undefined;
  if (!data) throw new UsageError('--data <manifest.json> is required', 'train');
  const out = (values['out'] as string | undefined) ?? 'dmdet-model';
  const epochs = numberOption('train', 'epochs', values['epochs'], { integer: true, min: 1 });
  const stepsPerEpoch = numberOption('train', 'steps-per-epoch', values['steps-per-epoch'], {
    integer: true,
    min: 1,
  });
  const batchSize = numberOption('train', 'batch-size', values['batch-size'], { integer: true, min: 1 });
  const patience = numberOption('train', 'patience', values['patience'], { integer: true, min: 1 });
  const seed = numberOption('train', 'seed', values['seed'], { integer: true });
  const freezeEpochs =
    numberOption('train', 'freeze-epochs', values['freeze-epochs'], { integer: true, min: 0 }) ?? 0;
  const crop = tripleOption('train', 'crop', values['crop'], { integer: true, positive: true });
  const architecture = (values['architecture'] as string | undefined) ?? 'dm-detnet3d';
  if (architecture !== 'dm-detnet3d' && architecture !== 'detnet3d')
    throw new UsageError(
      `--architecture must be dm-detnet3d or detnet3d, got ${JSON.stringify(architecture)}`,
      'train',
    );
  const loss = values['loss'] as LossName | undefined;
  if (loss !== undefined && !['awing', 'mse', 'bce', 'focal'].includes(loss))
    throw new UsageError(`--loss must be awing, mse, bce or focal, got ${JSON.stringify(loss)}`, 'train');
  const checkpointDir = join(out, 'checkpoint');
  const resume = values['resume'] === true ? await loadCheckpoint(checkpointDir) : undefined;
  if (values['resume'] === true && !resume)
    throw new PipelineError('NOT_FOUND', `--resume: no checkpoint in ${checkpointDir}`);
  if (!resume) await checkWritable(join(out, 'model.json'), values['force'] === true);

  const dataset = await readDataset(data, { splits: ['train', 'validation'] });
  if (dataset.train.length === 0)
    throw new PipelineError('INVALID_INPUT', `${data}: no volumes in the train split`);
  const { backend, workers } = await startBackend('train', values);
  const config = { architecture, ...(loss ? { loss } : {}) } as const;
  const quiet = values['quiet'] === true || values['json'] === true;
  let bar: Progress | undefined;
  const started = Date.now();
  // The workers copy the model's topology; its weights travel with every step.
  const model = architecture === 'detnet3d' ? createDetNet3D() : createDmDetNet3D();
  const onProgress = (p: TrainingProgress) => {
    if (quiet) return;
    if (p.phase === 'step') {
      bar ??= new Progress(io, `epoch ${p.epoch}`);
      bar.update(p.step, p.stepsPerEpoch, `loss ${p.loss.toFixed(4)}`);
    } else {
      bar?.finish();
      bar = undefined;
      io.stderr.write(
        `epoch ${p.epoch}/${p.maxEpochs}: train loss ${p.trainLoss.toFixed(4)}${p.validationLoss !== undefined ? `, validation loss ${p.validationLoss.toFixed(4)}` : ''}${p.best ? ' (best)' : ''}, ${(p.elapsedMs / 1000).toFixed(0)} s\n`,
      );
    }
  };
  const common = {
    ...config,
    ...(stepsPerEpoch ? { stepsPerEpoch } : {}),
    ...(batchSize ? { batchSize } : {}),
    ...(crop ? { crop } : {}),
    ...(patience ? { earlyStopping: { patience } } : {}),
    ...(seed !== undefined ? { seed } : {}),
    notes: { dataset: data, backend, workers },
    onProgress,
  };
  /** Trains `stageModel` on its own worker pool (the workers copy the model's topology). */
  const stage = async (stageModel: LayersModel, extra: Partial<TrainDetectorConfig>) => {
    const pool = await startPool(stageModel, backend, workers, lossOptionsFor(config));
    try {
      return await trainDetector(dataset.train, dataset.validation, {
        ...common,
        ...extra,
        model: stageModel,
        ...(pool ? { workers: pool, predictor: pool } : {}),
      });
    } finally {
      await pool?.close();
    }
  };
  let result = await stage(model, {
    ...(epochs ? { epochs } : {}),
    ...(resume ? { resume } : {}),
    checkpoint: { every: 1, save: (c) => saveCheckpoint(checkpointDir, c) },
  });
  await saveDetector(result.detector, out, { overwrite: true });
  await removeCheckpoint(checkpointDir);
  // The folder was ours; it goes too when empty (anything else in it stays).
  await rmdir(checkpointDir).catch(() => undefined);
  const stage1 = result.training;
  if (freezeEpochs > 0) {
    // Stage 2 (no checkpoints: the stage-1 model is already saved in <out> if it is interrupted).
    if (!quiet) io.stderr.write(`stage 2: normalisation statistics frozen, ${freezeEpochs} more epochs\n`);
    const frozen = await freezeDetector(
      result.detector.model,
      dataset.train.map((s) => s.volume),
    );
    result = await stage(frozen.model, {
      epochs: freezeEpochs,
      normalization: frozen.normalization,
      notes: { ...common.notes, stage1: result.detector.metadata.training },
    });
    await saveDetector(result.detector, out, { overwrite: true });
  }
  const summary = {
    model: out,
    epochs: result.training.epochs,
    bestEpoch: result.training.bestEpoch,
    stopReason: result.training.stopReason,
    threshold: result.detector.metadata.threshold,
    validationF1: result.validationF1,
    seconds: (Date.now() - started) / 1000,
    backend,
    workers,
    ...(freezeEpochs > 0 ? { stage1: { epochs: stage1.epochs, bestEpoch: stage1.bestEpoch } } : {}),
  };
  if (values['json']) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else
    io.stdout.write(
      `model saved to ${out}: ${freezeEpochs > 0 ? `${stage1.epochs} epochs, then frozen statistics for ` : ''}${summary.epochs} epochs (best ${summary.bestEpoch}, ${summary.stopReason}), threshold ${summary.threshold?.toFixed(3)}, validation F1 ${summary.validationF1?.toFixed(3) ?? 'n/a'}, ${summary.seconds.toFixed(0)} s\n`,
    );
  return 0;
}
