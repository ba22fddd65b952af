import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Point3 } from '@dmdet/metrics';
import { createVolume } from '@dmdet/volume-io';
import { readPointsCsvFile, readTiffFile, writePointsCsvFile } from '@dmdet/volume-io/node';
import { detect } from '../detect';
import { evaluate } from '../evaluate';
import { loadModel } from '../node';
import { encodePng, projectionPicture } from '../picture';
import { numberOption, pairOption, parse, tripleOption, UsageError } from './args';
import type { CliIo } from './progress';
import { Progress } from './progress';
import { COMPUTE_OPTIONS, checkWritable, startBackend, startPool } from './runtime';

export const DETECT_HELP = `Usage: dmdet detect <volume.tif…> [options]

Detects particles in 3D TIFF stacks and writes one CSV per volume: x,y,z,score in voxels
(0-based, sub-voxel), plus x_um,y_um,z_um when the voxel size is known.

Options:
  --model <dir|name>        model folder (model.json + weights.bin), or a built-in model by name:
                            default (= general: any microscope), ptc-virus (the Particle Tracking
                            Challenge's virus scenario only)
  --out <file|dir>          output CSV (one input) or folder (several inputs);
                            default <name>.detections.csv next to each input
  --threshold <t>           detection threshold on the density map, 0–1 (default: the model's)
  --voxel-size <z,y,x>      voxel size in µm (default: from the TIFF's ImageJ/OME metadata)
  --spot-size <xy,z>        the spots' Gaussian σ in voxels (in-plane px, z slices); the volume is
                            resampled to the model's spot scale (default: estimated from the volume)
  --spot-size-um <xy,z>     the same in µm (needs the voxel size)
  --png                     also write a picture: max projection with detections (.png beside the CSV)
  --truth <gt.csv>          ground truth (one input): prints F1/RMSE, drawn in the picture in green
  --backend <name>          auto (default), wasm, cpu, tensorflow, tensorflow-gpu
  --workers <n>             worker threads for prediction (default: one per core)
  --max-tile-voxels <n>     largest tile predicted at once (default 2621440 = 10×512×512)
  --force                   replace existing outputs
  --json                    print results as JSON
  --quiet                   no progress

Examples:
  dmdet detect cells.tif --png
  dmdet detect data/*.tif --out detections/ --threshold 0.4
  dmdet detect stack.tif --model my-model --voxel-size 0.3,0.1,0.1 --out stack.csv
`;

const stem = (path: string) => basename(path, extname(path)).replace(/\.ome$/i, '');

export async function detectCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('detect', argv, {
    model: { type: 'string' },
    out: { type: 'string' },
    threshold: { type: 'string' },
    'voxel-size': { type: 'string' },
    'spot-size': { type: 'string' },
    'spot-size-um': { type: 'string' },
    png: { type: 'boolean' },
    truth: { type: 'string' },
    'max-tile-voxels': { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...COMPUTE_OPTIONS,
  });
  if (values['help']) {
    io.stdout.write(DETECT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one TIFF volume to detect in', 'detect');
  const threshold = numberOption('detect', 'threshold', values['threshold'], { min: 0.001, max: 0.999 });
  const voxelSize = tripleOption('detect', 'voxel-size', values['voxel-size'], { positive: true });
  const maxTileVoxels = numberOption('detect', 'max-tile-voxels', values['max-tile-voxels'], {
    integer: true,
    min: 4096,
  });
  const spotVoxels = pairOption('detect', 'spot-size', values['spot-size']);
  const spotUm = pairOption('detect', 'spot-size-um', values['spot-size-um']);
  if (spotVoxels && spotUm) throw new UsageError('give --spot-size or --spot-size-um, not both', 'detect');
  const spotSize = spotVoxels ?? (spotUm ? { ...spotUm, unit: 'um' as const } : undefined);
  const truthPath = values['truth'] as string | undefined;
  if (truthPath && positionals.length > 1)
    throw new UsageError('--truth goes with a single input volume', 'detect');
  const force = values['force'] === true;
  const out = values['out'] as string | undefined;
  // --out is a folder with several inputs, when it ends with a slash, or when it is one already.
  const intoFolder =
    out !== undefined &&
    (positionals.length > 1 ||
      out.endsWith('/') ||
      (await stat(out).then(
        (s) => s.isDirectory(),
        () => false,
      )));
  const outputs = positionals.map((input) => {
    const csv = out
      ? intoFolder
        ? join(out, `${stem(input)}.csv`)
        : out
      : join(input, '..', `${stem(input)}.detections.csv`);
    return { input, csv, png: values['png'] ? `${csv.replace(/\.csv$/i, '')}.png` : undefined };
  });
  // Refuse before any work: nothing a user has is overwritten without --force.
  for (const o of outputs) {
    await checkWritable(o.csv, force);
    if (o.png) await checkWritable(o.png, force);
  }
  const truth = truthPath ? ((await readPointsCsvFile(truthPath)) as Point3[]) : undefined;
  const { backend, workers } = await startBackend('detect', values);
  const detector = await loadModel((values['model'] as string | undefined) ?? 'default');
  const pool = await startPool(detector.model, backend, workers);
  const results = [];
  try {
    for (const o of outputs) {
      const started = Date.now();
      const read = await readTiffFile(o.input);
      const volume = voxelSize ? createVolume(read.data, read.shape, voxelSize) : read;
      const progress = new Progress(
        io,
        `${basename(o.input)}: predicting`,
        values['quiet'] === true || values['json'] === true,
      );
      const result = await detect(volume, {
        model: detector,
        ...(threshold !== undefined ? { threshold } : {}),
        ...(maxTileVoxels ? { maxTileVoxels } : {}),
        ...(pool ? { predictor: pool } : {}),
        ...(spotSize ? { spotSize } : {}),
        onProgress: (p) => progress.update(p.done, p.total, 'tiles'),
      });
      progress.finish();
      if (intoFolder) await mkdir(join(o.csv, '..'), { recursive: true });
      await writePointsCsvFile(
        o.csv,
        result.points.map(({ x, y, z, score }) => ({ x, y, z, score })),
        {
          overwrite: force,
          columns: ['score'], // the same header when nothing was found
          ...(volume.voxelSize ? { voxelSize: volume.voxelSize } : {}),
        },
      );
      if (o.png) {
        const png = encodePng(
          projectionPicture(volume, { detections: result.points, ...(truth ? { truth } : {}) }),
        );
        await writeFile(o.png, png);
      }
      const scores = truth ? evaluate(truth, result.points, { gate: 5 }) : undefined;
      const seconds = (Date.now() - started) / 1000;
      results.push({
        input: o.input,
        output: o.csv,
        ...(o.png ? { png: o.png } : {}),
        shape: volume.shape,
        ...(volume.voxelSize ? { voxelSize: volume.voxelSize } : {}),
        count: result.points.length,
        threshold: result.threshold,
        tiles: result.tiles,
        ...(result.spotSize ? { spotSize: result.spotSize } : {}),
        ...(result.resampling ? { resampledTo: result.resampling.to } : {}),
        warnings: result.warnings,
        seconds,
        ...(scores ? { scores } : {}),
      });
      if (!values['json']) {
        io.stdout.write(
          `${o.input}: ${result.points.length} particles (threshold ${result.threshold.toFixed(3)}, ${result.tiles} tile${result.tiles === 1 ? '' : 's'}, ${seconds.toFixed(1)} s) → ${o.csv}${o.png ? `, ${o.png}` : ''}\n`,
        );
        if (result.spotSize) {
          const s = result.spotSize;
          io.stdout.write(
            `  spot size σxy ${s.xy.toFixed(2)} px, σz ${s.z.toFixed(2)} slices (${s.source === 'given' ? 'given' : s.source === 'estimated' ? 'estimated from the volume' : "the model's own"})${result.resampling ? `; resampled to ${result.resampling.to.join('×')} for the model` : ''}\n`,
          );
        }
        for (const w of result.warnings) io.stderr.write(`warning: ${o.input}: ${w}\n`);
        if (scores)
          io.stdout.write(
            `  against ${truthPath}: F1 ${scores.f1.toFixed(3)}, precision ${scores.precision.toFixed(3)}, recall ${scores.recall.toFixed(3)}, RMSE ${scores.rmse.toFixed(3)} voxels (TP ${scores.tp}, FP ${scores.fp}, FN ${scores.fn})\n`,
          );
      }
    }
  } finally {
    await pool?.close();
  }
  if (values['json']) io.stdout.write(`${JSON.stringify({ backend, workers, results }, null, 2)}\n`);
  return 0;
}
