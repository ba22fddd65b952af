import { type DensityLevel, GENERAL_RANGES } from '@dmdet/simulate';
import { simulateDataset } from '@dmdet/simulate/node';
import { listOption, numberOption, parse, tripleOption, UsageError } from './args';
import { type CliIo, Progress } from './progress';

const SNR_RANGE = GENERAL_RANGES['spots.snr'];

export const SIMULATE_HELP = `Usage: dmdet simulate --out <folder> [options]

Simulates fluorescence volumes with their ground truth: images/<id>.tif, truth/<id>.csv and
manifest.json with a 50/25/25 train/validation/test split (per SNR level when there are levels).

Scenarios (--scenario):
  virus     the Particle Tracking Challenge's virus scenario (default): Poisson noise, Gaussian spots
            on a flat background, SNR = (I_obj - I_bg)/sqrt(I_obj), an SNR × density grid
  general   volumes like users' data, randomised per volume: camera offset, gain, read noise and
            hot pixels; background gradient, haze, cells with nuclei, bright blobs (not annotated);
            PSF size, halo, axial tail and tilt; spot counts, brightness spread, clusters, pairs.
            --snr is the local SNR A/sqrt(B + A + (read/gain)^2) of a median spot; truth CSVs add
            snr and background columns; the manifest holds each volume's parameters.
            --effects adds acquisition effects, each drawn per volume: EMCCD gain, granular
            cell texture, astigmatism, depth attenuation
            --camera-pattern adds an sCMOS camera's pixel pattern in half the volumes: each
            pixel its own offset, gain and read noise, the same in every slice

Options:
  --out <folder>          where to write (must be empty unless --force)
  --scenario <name>       virus (default) or general
  --snr <list>            SNR levels, e.g. 2 or 1,2,4,7 (virus default 1,2,4,7; general default:
                          drawn per volume, log-uniform ${SNR_RANGE.min}–${SNR_RANGE.max})
  --density <list>        virus only: low, medium, high (default all three)
  --count <n>             volumes per SNR × density (virus) or per SNR level (general); default 1
  --shape <z,y,x>         volume size (virus default 10,512,512; general default: 5–64 slices
                          drawn per volume, 256×256)
  --seed <n>              dataset seed (default 0)
  --effects               general only: draw the acquisition effects too
  --camera-pattern        general only: draw an sCMOS pixel pattern too
  --force                 write into a non-empty folder
  --json                  print the manifest as JSON
  --quiet                 no progress

Examples:
  dmdet simulate --snr 2 --density medium --out sim
  dmdet simulate --count 4 --shape 10,128,128 --out data/small
  dmdet simulate --scenario general --snr 2,4,7 --count 8 --out data/general
`;

export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('simulate', argv, {
    out: { type: 'string' },
    scenario: { type: 'string' },
    snr: { type: 'string' },
    density: { type: 'string' },
    count: { type: 'string' },
    shape: { type: 'string' },
    seed: { type: 'string' },
    effects: { type: 'boolean' },
    'camera-pattern': { type: 'boolean' },
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
  const scenario = (values['scenario'] as string | undefined) ?? 'virus';
  if (scenario !== 'virus' && scenario !== 'general')
    throw new UsageError(`--scenario must be virus or general, got ${JSON.stringify(scenario)}`, 'simulate');
  const snrs = listOption(values['snr'])?.map(
    (s) => numberOption('simulate', 'snr', s, { min: 0.01 }) as number,
  );
  const densities = listOption(values['density']);
  if (scenario !== 'general' && values['effects'])
    throw new UsageError('--effects is for --scenario general', 'simulate');
  if (scenario !== 'general' && values['camera-pattern'])
    throw new UsageError('--camera-pattern is for --scenario general', 'simulate');
  if (scenario === 'general' && densities)
    throw new UsageError(
      '--density is for the virus scenario; general volumes draw their counts',
      'simulate',
    );
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
  const common = {
    out,
    overwrite: values['force'] === true,
    ...(snrs ? { snrs } : {}),
    ...(shape ? { shape } : {}),
    ...(seed !== undefined ? { seed } : {}),
    onProgress: (p: { done: number; total: number }) => progress.update(p.done, p.total),
  };
  const manifest =
    scenario === 'general'
      ? await simulateDataset({
          ...common,
          scenario: 'general',
          ...(perCell ? { perLevel: perCell } : {}),
          ...(values['effects'] ? { effects: true } : {}),
          ...(values['camera-pattern'] ? { cameraPattern: true } : {}),
        })
      : await simulateDataset({
          ...common,
          ...(densities ? { densities: densities as DensityLevel[] } : {}),
          ...(perCell ? { perCell } : {}),
        });
  progress.finish();
  if (values['json']) io.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  else
    io.stdout.write(
      `${manifest.samples.length} volume(s) written to ${out} (manifest: ${out}/manifest.json)\n`,
    );
  return 0;
}
