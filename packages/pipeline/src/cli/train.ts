import { rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LossName } from '@dmdet/losses';
import { createDetNet3D, createDmDetNet3D, type TrainingProgress } from '@dmdet/model';
import { loadCheckpoint, removeCheckpoint, saveCheckpoint } from '@dmdet/model/node';
import type { AnnotationFormat } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { parseRegion } from '../annotated-region';
import type { DetectorModel } from '../detect';
import { PipelineError } from '../errors';
import { freezeDetector } from '../freeze-detector';
import { loadModel, saveDetector } from '../node';
import { encodePng, projectionPicture } from '../picture';
import {
  lossOptionsFor,
  type TrainDetectorConfig,
  type TrainDetectorResult,
  trainDetector,
} from '../train-detector';
import { readTrainingData } from '../training-data-node';
import { numberOption, parse, tripleOption, UsageError } from './args';
import { type CliIo, formatDuration, Progress } from './progress';
import { COMPUTE_OPTIONS, checkWritable, startBackend, startPool } from './runtime';
import { checkThresholdOnly, thresholdOnly } from './threshold-only';

export const TRAIN_HELP = `Usage: dmdet train --data <folder | manifest.json | a.tif b.tif …> [options]

Trains a detector on annotated volumes, or fine-tunes one (--from): density-map targets, AWing loss
with the weight map, AMSGrad, random crops, flips, 90° rotations and intensity jitter, early
stopping on the validation split; then chooses the detection threshold on the validation split,
saves the model folder, prints each validation volume's scores and draws one (validation.png).

Data (--data):
  a folder            <name>.tif with <name>.csv, <name>.points.csv or <name>.xml beside it; with
                      train/ and validation/ (or val/) subfolders those are the split
  a manifest (.json)  {"format": "dmdet-dataset", "version": 1, "voxelSize": [z, y, x],
                       "volumes": [{"image": "a.tif", "points": "a.csv", "split": "train",
                       "region": {"z": [0, 16], "y": [0, 100], "x": [0, 200]}}, …]}
                      (split, region, voxelSize, units, annotationFormat, time, channel optional);
                      manifests written by dmdet simulate load too
  TIFF files          each with its annotations beside it
  Without a split: 3+ volumes are split by volume (a fifth for validation); 1 or 2 volumes are each
  cut into a training block and a validation block (the last quarter along x or y).
  Annotations: x,y,z or z,y,x CSV (voxels), napari points CSV, Spotiflow CSV, Fiji Measure table
  (X, Y in µm: needs the voxel size), TrackMate spots CSV, Particle Tracking Challenge XML.

Options:
  --from <model>           fine-tune: default, general, tissue, scmos, ptc-virus or a model
                           folder. Keeps its architecture, input transform, spot scale, test-time
                           flips and axial-ghost rule; learning rate 2e-4, halved after 3 epochs without a
                           better validation loss
  --out <folder>           model folder to write (default dmdet-model); a checkpoint is kept in
                           <folder>/checkpoint while training
  --minutes <m>            time budget: no epoch starts that would end after it
  --epochs <n>             most epochs (default 50)
  --annotated-region <z0:z1,y0:y1,x0:x1>
                           only this box of every volume was annotated (voxels, end excluded):
                           training and scoring ignore the rest
  --voxel-size <z,y,x>     µm, for volumes whose TIFF records none (µm annotations need it)
  --annotation-units <px|um>  units of annotation files that do not say (Fiji Measure tables)
  --annotation-format <f>  xyz, napari, spotiflow, fiji, trackmate or ptc (default: told from the file)
  --time <t>, --channel <c>  time point and channel (0-based) of hyperstacks
  --lr <rate>              learning rate (default 1e-3, or 2e-4 with --from)
  --no-augment             no 90° rotations and intensity jitter (flips stay)
  --steps-per-epoch <n>    default: enough crops to cover the training voxels once, 8–64
  --batch-size <n>         default 4
  --crop <z,y,x>           random crop size (default up to 16,64,64; smaller volumes are mirrored up)
  --architecture <name>    dm-detnet3d (default) or detnet3d
  --loss <name>            awing (default for dm-detnet3d), mse, bce (default for detnet3d), focal
  --patience <n>           early-stopping patience in epochs (default 10)
  --freeze-epochs <n>      then a second stage: normalisation statistics frozen over the training
                           volumes, input from its median and bright-spot peak ('spots'), n more epochs
                           (default 0: none; the ptc-virus model had 60 after 60)
  --seed <n>               default 0
  --resume                 continue from <out>/checkpoint
  --threshold-only         no training: choose the threshold of --from on every annotated volume
                           (none held out; a threshold rule only from 24 or more) and save the
                           model with it; prints the F1 on them before and after. For stacks
                           whose spots the model ranks well but cuts at the wrong score
  --backend <name>         auto (default), wasm, cpu, tensorflow, tensorflow-gpu
  --workers <n>            worker threads computing gradients (default: one per core)
  --force                  replace an existing model folder
  --json                   print the result as JSON
  --quiet                  no progress
Ctrl-C stops after the current step and saves the best model so far (twice: quit at once).

Examples:
  dmdet train --data my-stacks/ --from default --minutes 15 --voxel-size 0.3,0.1,0.1
  dmdet train --data a.tif b.tif --from default --annotated-region 0:20,0:256,0:256
  dmdet simulate --count 4 --shape 10,128,128 --out data && dmdet train --data data/manifest.json
  dmdet train --data data/manifest.json --out models/run1 --epochs 100 --resume
  dmdet train --data clicked/ --from default --threshold-only --out my-threshold
`;

const FORMATS = ['auto', 'xyz', 'napari', 'spotiflow', 'fiji', 'trackmate', 'ptc'];

/** Steps per epoch that show the network about every training voxel once per epoch, 8 to 64. */
function defaultStepsPerEpoch(
  volumes: readonly { volume: { shape: readonly number[] } }[],
  crop: readonly number[],
  batch: number,
): number {
  const voxels = volumes.reduce((n, v) => n + v.volume.shape.reduce((a, b) => a * b, 1), 0);
  const perCrop = crop.reduce((a, b) => a * b, 1);
  return Math.min(64, Math.max(8, Math.ceil(voxels / perCrop / batch)));
}

export async function trainCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('train', argv, {
    data: { type: 'string' },
    from: { type: 'string' },
    out: { type: 'string' },
    minutes: { type: 'string' },
    epochs: { type: 'string' },
    'annotated-region': { type: 'string' },
    'voxel-size': { type: 'string' },
    'annotation-units': { type: 'string' },
    'annotation-format': { type: 'string' },
    time: { type: 'string' },
    channel: { type: 'string' },
    lr: { type: 'string' },
    'no-augment': { type: 'boolean' },
    'steps-per-epoch': { type: 'string' },
    'batch-size': { type: 'string' },
    crop: { type: 'string' },
    architecture: { type: 'string' },
    loss: { type: 'string' },
    patience: { type: 'string' },
    'freeze-epochs': { type: 'string' },
    seed: { type: 'string' },
    resume: { type: 'boolean' },
    'threshold-only': { type: 'boolean' },
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
  if (!data) throw new UsageError('--data <folder | manifest.json | a.tif …> is required', 'train');
  const sources = [data, ...positionals];
  const out = (values['out'] as string | undefined) ?? 'dmdet-model';
  const onlyThreshold = values['threshold-only'] === true;
  if (onlyThreshold) checkThresholdOnly(values);
  const from = values['from'] as string | undefined;
  const minutes = numberOption('train', 'minutes', values['minutes'], { min: 0.01 });
  const epochs = numberOption('train', 'epochs', values['epochs'], { integer: true, min: 1 });
  const stepsPerEpoch = numberOption('train', 'steps-per-epoch', values['steps-per-epoch'], {
    integer: true,
    min: 1,
  });
  const batchSize = numberOption('train', 'batch-size', values['batch-size'], { integer: true, min: 1 }) ?? 4;
  const patience = numberOption('train', 'patience', values['patience'], { integer: true, min: 1 });
  const seed = numberOption('train', 'seed', values['seed'], { integer: true });
  const learningRate = numberOption('train', 'lr', values['lr'], { min: 1e-8, max: 1 });
  const time = numberOption('train', 'time', values['time'], { integer: true, min: 0 });
  const channel = numberOption('train', 'channel', values['channel'], { integer: true, min: 0 });
  const freezeEpochs =
    numberOption('train', 'freeze-epochs', values['freeze-epochs'], { integer: true, min: 0 }) ?? 0;
  const crop = tripleOption('train', 'crop', values['crop'], { integer: true, positive: true });
  const voxelSize = tripleOption('train', 'voxel-size', values['voxel-size'], { positive: true });
  const units = values['annotation-units'] as string | undefined;
  if (units !== undefined && units !== 'px' && units !== 'um')
    throw new UsageError(`--annotation-units must be px or um, got ${JSON.stringify(units)}`, 'train');
  const annotationFormat = values['annotation-format'] as string | undefined;
  if (annotationFormat !== undefined && !FORMATS.includes(annotationFormat))
    throw new UsageError(
      `--annotation-format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(annotationFormat)}`,
      'train',
    );
  let region: ReturnType<typeof parseRegion> | undefined;
  if (values['annotated-region'] !== undefined) {
    try {
      region = parseRegion(values['annotated-region'] as string);
    } catch (e) {
      throw new UsageError(`--annotated-region: ${(e as Error).message}`, 'train');
    }
  }
  if (from !== undefined && (values['architecture'] !== undefined || values['loss'] !== undefined))
    throw new UsageError(
      '--from keeps the model’s architecture and loss; drop --architecture and --loss',
      'train',
    );
  if (from !== undefined && freezeEpochs > 0)
    throw new UsageError('--freeze-epochs is for training from scratch, not with --from', 'train');
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

  const quiet = values['quiet'] === true || values['json'] === true;
  const dataset = await readTrainingData(sources.length === 1 ? data : sources, {
    ...(voxelSize ? { voxelSize } : {}),
    ...(units ? { units: units as 'px' | 'um' } : {}),
    ...(annotationFormat ? { annotationFormat: annotationFormat as AnnotationFormat | 'auto' } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(channel !== undefined ? { channel } : {}),
    ...(region ? { region } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(onlyThreshold ? { holdOut: false } : {}),
  });
  if (onlyThreshold) {
    const volumes = [...dataset.train, ...dataset.validation];
    if (volumes.length === 0) throw new PipelineError('INVALID_INPUT', `${data}: no annotated volumes`);
    if (values['quiet'] !== true && values['json'] !== true) {
      for (const line of dataset.log) io.stderr.write(`${line}\n`);
      io.stderr.write(
        `choosing the threshold of ${from} on all ${volumes.length} volumes (none held out: nothing is trained)\n`,
      );
    }
    const { backend, workers } = await startBackend('train', values);
    return thresholdOnly(
      await loadModel(from as string),
      from as string,
      volumes,
      out,
      { backend, workers, json: values['json'] === true },
      io,
    );
  }
  if (dataset.train.length === 0) throw new PipelineError('INVALID_INPUT', `${data}: no volumes to train on`);
  if (!quiet) {
    for (const line of dataset.log) io.stderr.write(`${line}\n`);
    io.stderr.write(
      `split (${dataset.split}): ${dataset.train.length} training, ${dataset.validation.length} validation volume${dataset.validation.length === 1 ? '' : 's'}\n`,
    );
  }
  const { backend, workers } = await startBackend('train', values);
  const source: DetectorModel | undefined = from !== undefined ? await loadModel(from) : undefined;
  const regions = [...dataset.train, ...dataset.validation].some((s) => s.region !== undefined);
  // As trainDetector decides it: a fine-tuned model trains with its architecture's default loss.
  const lossConfig = source
    ? { architecture: source.metadata.architecture }
    : { architecture: architecture as 'dm-detnet3d' | 'detnet3d', ...(loss ? { loss } : {}) };
  const lossOptions = lossOptionsFor({ ...lossConfig, regions });
  const cropFor = crop ?? [16, 64, 64];
  const steps = stepsPerEpoch ?? defaultStepsPerEpoch(dataset.train, cropFor, batchSize);
  const augment = values['no-augment'] === true ? undefined : { rotate90: true, intensity: 0.2 };
  const maxEpochs = epochs ?? (minutes !== undefined ? 1000 : 50);

  // Ctrl-C: stop after the current step, keep the best weights, save; a second Ctrl-C quits.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write(
      '\nstopping after this step; the best model so far will be saved (Ctrl-C again to quit)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  let bar: Progress | undefined;
  const started = Date.now();
  let epochMs = 0;
  const onProgress = (p: TrainingProgress) => {
    if (quiet) return;
    if (p.phase === 'step') {
      bar ??= new Progress(io, `epoch ${p.epoch}`);
      bar.update(p.step, p.stepsPerEpoch, `loss ${p.loss.toFixed(4)}`);
    } else {
      bar?.finish();
      bar = undefined;
      epochMs = p.elapsedMs / Math.max(1, p.epoch - (resume?.epoch ?? 0));
      const byEpochs = (p.maxEpochs - p.epoch) * epochMs;
      const left = minutes !== undefined ? Math.min(byEpochs, minutes * 60_000 - p.elapsedMs) : byEpochs;
      const f1 = p.metrics?.['f1'];
      io.stderr.write(
        `epoch ${p.epoch}/${p.maxEpochs}: train loss ${p.trainLoss.toFixed(4)}${p.validationLoss !== undefined ? `, validation loss ${p.validationLoss.toFixed(4)}` : ''}${f1 !== undefined ? `, validation F1 ${f1.toFixed(3)}` : ''}${p.learningRate !== undefined ? `, lr ${p.learningRate.toExponential(1)}` : ''}${p.best ? ' (best)' : ''}, ${formatDuration(p.elapsedMs)}, at most ${formatDuration(Math.max(0, left))} left\n`,
      );
    }
  };
  const common: TrainDetectorConfig = {
    ...(source ? { from: source } : { architecture, ...(loss ? { loss } : {}) }),
    stepsPerEpoch: steps,
    batchSize,
    ...(crop ? { crop } : {}),
    ...(patience ? { earlyStopping: { patience } } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(learningRate !== undefined ? { learningRate } : {}),
    ...(augment ? { augment } : {}),
    ...(minutes !== undefined ? { minutes } : {}),
    validationF1EachEpoch: dataset.validation.length > 0,
    signal: controller.signal,
    notes: { dataset: sources.join(' '), split: dataset.split, backend, workers, ...(from ? { from } : {}) },
    onProgress,
  };
  /** Trains `stageModel` on its own worker pool (the workers copy the model's topology). */
  const stage = async (stageModel: LayersModel, extra: Partial<TrainDetectorConfig>) => {
    const pool = await startPool(stageModel, backend, workers, lossOptions);
    try {
      return await trainDetector(dataset.train, dataset.validation, {
        ...common,
        ...extra,
        ...(source ? {} : { model: stageModel }),
        ...(pool ? { workers: pool, predictor: pool } : {}),
      });
    } finally {
      await pool?.close();
    }
  };
  let result: TrainDetectorResult;
  try {
    // The workers copy the model's topology; its weights travel with every step.
    const model = source?.model ?? (architecture === 'detnet3d' ? createDetNet3D() : createDmDetNet3D());
    result = await stage(model, {
      epochs: maxEpochs,
      ...(resume ? { resume } : {}),
      checkpoint: { every: 1, save: (c) => saveCheckpoint(checkpointDir, c) },
    });
    await saveDetector(result.detector, out, { overwrite: true });
    await removeCheckpoint(checkpointDir);
    // The folder was ours; it goes too when empty (anything else in it stays).
    await rmdir(checkpointDir).catch(() => undefined);
    const stage1 = result.training;
    if (freezeEpochs > 0 && !controller.signal.aborted) {
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
    const picture = await drawValidation(result, dataset.validation, out);
    const perVolume = result.validationReport.map((r) => ({
      volume: r.id,
      truth: r.tp + r.fn,
      detections: r.tp + r.fp,
      precision: r.precision,
      recall: r.recall,
      f1: r.f1,
      rmse: r.rmse,
    }));
    const summary = {
      model: out,
      ...(from ? { from } : {}),
      split: dataset.split,
      epochs: result.training.epochs,
      bestEpoch: result.training.bestEpoch,
      stopReason: result.training.stopReason,
      threshold: result.detector.metadata.threshold,
      ...(result.detector.metadata.thresholdRule
        ? { thresholdRule: result.detector.metadata.thresholdRule }
        : {}),
      validationF1: result.validationF1,
      ...(result.sourceValidationF1 !== undefined ? { sourceValidationF1: result.sourceValidationF1 } : {}),
      validation: perVolume,
      ...(picture ? { picture } : {}),
      seconds: (Date.now() - started) / 1000,
      backend,
      workers,
      ...(freezeEpochs > 0 ? { stage1: { epochs: stage1.epochs, bestEpoch: stage1.bestEpoch } } : {}),
    };
    if (values['json']) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      io.stdout.write(
        `model saved to ${out}: ${freezeEpochs > 0 ? `${stage1.epochs} epochs, then frozen statistics for ` : ''}${summary.epochs} epochs (best ${summary.bestEpoch}, ${summary.stopReason}), threshold ${summary.threshold?.toFixed(3)}, validation F1 ${summary.validationF1?.toFixed(3) ?? 'n/a'}${result.sourceValidationF1 !== undefined ? ` (${from} before fine-tuning: ${result.sourceValidationF1.toFixed(3)})` : ''}, ${summary.seconds.toFixed(0)} s\n`,
      );
      const rule = result.detector.metadata.thresholdRule;
      const note = result.detector.metadata.training?.['thresholdRuleNote'];
      if (rule)
        io.stdout.write(
          `threshold rule (a threshold that follows each volume's signal): signals ${rule.knots.map((k) => k.toFixed(2)).join(' / ')} → thresholds ${rule.thresholds.map((t) => t.toFixed(2)).join(' / ')}${rule.zoomSlope ? `, ${rule.zoomSlope > 0 ? '+' : ''}${rule.zoomSlope} per doubling of the voxels` : ''}${rule.fallback !== undefined ? `; ${rule.fallback.toFixed(2)} for a volume with fewer than ${rule.minSpots} confident spots` : ''}${rule.crowded ? `; ${rule.crowded.threshold.toFixed(2)} for a faint volume (signal below ${rule.crowded.below.toFixed(2)}) with ${rule.crowded.density.toFixed(0)} or more maxima ≥ ${rule.crowded.score} per million voxels` : ''}\n`,
        );
      else if (typeof note === 'string' && perVolume.length >= 12) io.stdout.write(`${note}\n`);
      const valleyNote = result.detector.metadata.training?.['thresholdValleyNote'];
      if (rule && typeof valleyNote === 'string') io.stdout.write(`${valleyNote}\n`);
      if (perVolume.length > 0) io.stdout.write(validationTable(perVolume));
      if (picture)
        io.stdout.write(
          `picture of ${perVolume[0]?.volume}: ${picture} (green crosses: annotations, magenta circles: detections)\n`,
        );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The per-volume validation table, aligned. */
function validationTable(
  rows: {
    volume: string;
    truth: number;
    detections: number;
    precision: number;
    recall: number;
    f1: number;
    rmse: number;
  }[],
): string {
  const header = ['validation volume', 'truth', 'found', 'precision', 'recall', 'F1', 'RMSE'];
  const cells = rows.map((r) => [
    r.volume,
    String(r.truth),
    String(r.detections),
    r.precision.toFixed(3),
    r.recall.toFixed(3),
    r.f1.toFixed(3),
    Number.isFinite(r.rmse) ? r.rmse.toFixed(2) : '–',
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((c) => (c[k] as string).length)));
  const line = (c: string[]) =>
    `${c.map((s, k) => (k === 0 ? s.padEnd(widths[k] as number) : s.padStart(widths[k] as number))).join('  ')}\n`;
  return line(header) + cells.map(line).join('');
}

/** `<out>/validation.png`: the first validation volume's projection with its annotations and detections. */
async function drawValidation(
  result: TrainDetectorResult,
  validation: readonly { volume: import('@dmdet/volume-io').Volume }[],
  out: string,
): Promise<string | undefined> {
  const report = result.validationReport[0];
  const volume = validation[0]?.volume;
  if (!report || !volume) return undefined;
  const path = join(out, 'validation.png');
  await writeFile(
    path,
    encodePng(projectionPicture(volume, { truth: report.truth, detections: report.detections })),
  );
  return path;
}
