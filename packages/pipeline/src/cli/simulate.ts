import type { DensityLevel } from '@dmdet/simulate';
import { simulateDataset } from '@dmdet/simulate/node';
import { listOption, numberOption, parse, tripleOption, UsageError } from './args';
import { type CliIo, Progress } from './progress';

export const SIMULATE_HELP = `Usage: dmdet simulate --out <folder> [options]

Simulates fluorescence volumes of the Particle Tracking Challenge's virus scenario (Poisson noise,
Gaussian spots) with their ground truth: images/<id>.tif, truth/<id>.csv and manifest.json with a
50/25/25 train/validation/test split per SNR.

Options:
  --out <folder>          where to write (must be empty unless --force)
  --snr <list>            SNR levels, e.g. 2 or 1,2,4,7 (default 1,2,4,7)
  --density <list>        low, medium, high (default all three)
  --count <n>             volumes per SNR × density (default 1)
  --shape <z,y,x>         volume size (default 10,512,512)
  --seed <n>              dataset seed (default 0)
  --force                 write into a non-empty folder
  --json                  print the manifest as JSON
  --quiet                 no progress

Examples:
  dmdet simulate --snr 2 --density medium --out sim
  dmdet simulate --count 4 --shape 10,128,128 --out data/small
`;

export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('simulate', argv, {
    out: { type: 'string' },
    snr: { type: 'string' },
    density: { type: 'string' },
    count: { type: 'string' },
    shape: { type: 'string' },
    seed: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help']) {
    io.stdout.write(SIMULATE_HELP);
    return 0;
  }
  const out = values['out'] as string | undefined;
  if (!out) throw new UsageError('--out <folder> is required', 'simulate');
  const snrs = listOption(values['snr'])?.map(
    (s) => numberOption('simulate', 'snr', s, { min: 0.01 }) as number,
  );
  const densities = listOption(values['density']);
  for (const d of densities ?? [])
    if (!['low', 'medium', 'high'].includes(d))
      throw new UsageError(
        `--density must be low, medium or high (comma-separated), got ${JSON.stringify(d)}`,
        'simulate',
      );
  const perCell = numberOption('simulate', 'count', values['count'], { integer: true, min: 1 });
  const shape = tripleOption('simulate', 'shape', values['shape'], { integer: true, positive: true });
  const seed = numberOption('simulate', 'seed', values['seed'], { integer: true });
  const progress = new Progress(io, 'simulating', values['quiet'] === true || values['json'] === true);
  const manifest = await simulateDataset({
    out,
    overwrite: values['force'] === true,
    ...(snrs ? { snrs } : {}),
    ...(densities ? { densities: densities as DensityLevel[] } : {}),
    ...(perCell ? { perCell } : {}),
    ...(shape ? { shape } : {}),
    ...(seed !== undefined ? { seed } : {}),
    onProgress: (p) => progress.update(p.done, p.total),
  });
  progress.finish();
  if (values['json']) io.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  else
    io.stdout.write(
      `${manifest.samples.length} volume(s) written to ${out} (manifest: ${out}/manifest.json)\n`,
    );
  return 0;
}
