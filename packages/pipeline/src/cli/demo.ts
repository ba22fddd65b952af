import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simulateVolume } from '@dmdet/simulate';
import { writePointsCsvFile, writeTiffFile } from '@dmdet/volume-io/node';
import { detect } from '../detect';
import { evaluate } from '../evaluate';
import { loadModel } from '../node';
import { encodePng, projectionPicture } from '../picture';
import { numberOption, parse, tripleOption, UsageError } from './args';
import { describeThreshold } from './describe-threshold';
import { type CliIo, Progress } from './progress';
import { COMPUTE_OPTIONS, checkWritable, startBackend, startPool } from './runtime';

export const DEMO_HELP = `Usage: dmdet demo [options]

Simulates a 10×512×512 fluorescence volume (virus scenario, Poisson noise), detects its particles
with the built-in model, scores the detections against the truth, and writes the volume, truth,
detections and a picture (max projection: detections magenta, truth green).

Options:
  --out <folder>      where to write (default demo-output/<date-time>)
  --snr <s>           signal-to-noise ratio (default 2)
  --density <level>   low, medium (default) or high
  --seed <n>          default 1
  --shape <z,y,x>     volume size (default 10,512,512; particle counts scale with it)
  --model <dir>       a model folder instead of the built-in model
  --backend <name>    auto (default), wasm, cpu, tensorflow, tensorflow-gpu
  --workers <n>       worker threads (default: one per core)
  --force             write into an existing output folder
  --json              print the result as JSON
  --quiet             no progress

Example:
  dmdet demo --snr 4
`;

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('demo', argv, {
    out: { type: 'string' },
    snr: { type: 'string' },
    density: { type: 'string' },
    seed: { type: 'string' },
    shape: { type: 'string' },
    model: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...COMPUTE_OPTIONS,
  });
  if (values['help']) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const snr = numberOption('demo', 'snr', values['snr'], { min: 0.01 }) ?? 2;
  const seed = numberOption('demo', 'seed', values['seed'], { integer: true }) ?? 1;
  const shape = tripleOption('demo', 'shape', values['shape'], { integer: true, positive: true });
  const density = (values['density'] as string | undefined) ?? 'medium';
  if (!['low', 'medium', 'high'].includes(density))
    throw new UsageError(`--density must be low, medium or high, got ${JSON.stringify(density)}`, 'demo');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = (values['out'] as string | undefined) ?? join('demo-output', stamp);
  const force = values['force'] === true;
  for (const f of ['volume.tif', 'truth.csv', 'detections.csv', 'detections.png'])
    await checkWritable(join(out, f), force);
  const quiet = values['quiet'] === true || values['json'] === true;
  const say = (s: string) => {
    if (!quiet) io.stderr.write(`${s}\n`);
  };
  const t0 = Date.now();
  const sim = simulateVolume({
    snr,
    density: density as 'low' | 'medium' | 'high',
    seed,
    ...(shape ? { shape } : {}),
  });
  say(
    `simulated ${sim.volume.shape.join('×')} volume, SNR ${snr}, ${sim.points.length} particles (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const { backend, workers } = await startBackend('demo', values);
  const detector = await loadModel((values['model'] as string | undefined) ?? 'default');
  say(`backend ${backend}, ${workers} worker thread${workers === 1 ? '' : 's'}`);
  const pool = await startPool(detector.model, backend, workers);
  const t1 = Date.now();
  const progress = new Progress(io, 'detecting', quiet);
  let result: Awaited<ReturnType<typeof detect>>;
  try {
    result = await detect(sim.volume, {
      model: detector,
      ...(pool ? { predictor: pool } : {}),
      onProgress: (p) => progress.update(p.done, p.total, 'tiles'),
    });
  } finally {
    progress.finish();
    await pool?.close();
  }
  const detectSeconds = (Date.now() - t1) / 1000;
  const truth = sim.points.map(({ x, y, z }) => ({ x, y, z }));
  const scores = evaluate(truth, result.points, { gate: 5 });
  await mkdir(out, { recursive: true });
  await writeTiffFile(join(out, 'volume.tif'), sim.volume, { overwrite: force });
  await writePointsCsvFile(join(out, 'truth.csv'), truth, { overwrite: force });
  await writePointsCsvFile(
    join(out, 'detections.csv'),
    result.points.map(({ x, y, z, score }) => ({ x, y, z, score })),
    { overwrite: force, columns: ['score'] },
  );
  await writeFile(
    join(out, 'detections.png'),
    encodePng(projectionPicture(sim.volume, { detections: result.points, truth })),
  );
  const summary = {
    out,
    snr,
    density,
    particles: sim.points.length,
    detections: result.points.length,
    threshold: result.threshold,
    thresholdSource: result.thresholdSource,
    f1: scores.f1,
    precision: scores.precision,
    recall: scores.recall,
    rmse: scores.rmse,
    detectSeconds,
    backend,
    workers,
  };
  if (values['json']) {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    io.stdout.write(
      `${result.points.length} detections of ${sim.points.length} particles in ${detectSeconds.toFixed(1)} s: ` +
        `F1 ${scores.f1.toFixed(3)}, precision ${scores.precision.toFixed(3)}, recall ${scores.recall.toFixed(3)}, ` +
        `RMSE ${scores.rmse.toFixed(3)} voxels (gate 5; ${describeThreshold(result)})\n` +
        `wrote ${out}/volume.tif, truth.csv, detections.csv, detections.png\n`,
    );
  }
  return 0;
}
