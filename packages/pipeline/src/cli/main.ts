import { UsageError } from './args';
import { DEMO_HELP, demoCommand } from './demo';
import { DETECT_HELP, detectCommand } from './detect';
import { EVALUATE_HELP, evaluateCommand } from './evaluate';
import type { CliIo } from './progress';
import { SIMULATE_HELP, simulateCommand } from './simulate';
import { TRAIN_HELP, trainCommand } from './train';

export const MAIN_HELP = `dmdet: 3D particle detection in fluorescence microscopy (DM-DetNet3D)

Usage: dmdet <command> [options]      (dmdet <command> --help for its options)

Commands:
  detect     detect particles in 3D TIFF stacks → CSV (and a PNG with --png)
  train      train a detector on a dataset manifest
  evaluate   score detections against ground truth (F1, RMSE; per-SNR table)
  simulate   simulate volumes with ground truth (virus scenario, or --scenario general: any microscope)
  demo       simulate a volume, detect with the built-in model, score it, write CSV and a picture

Exit codes: 0 success, 1 failure, 2 bad usage.

Examples:
  dmdet demo
  dmdet detect cells.tif --png
  dmdet simulate --count 4 --shape 10,128,128 --out data && dmdet train --data data/manifest.json
`;

const COMMANDS: Record<string, { run: (argv: string[], io: CliIo) => Promise<number>; help: string }> = {
  detect: { run: detectCommand, help: DETECT_HELP },
  train: { run: trainCommand, help: TRAIN_HELP },
  evaluate: { run: evaluateCommand, help: EVALUATE_HELP },
  simulate: { run: simulateCommand, help: SIMULATE_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

/**
 * Runs the `dmdet` command line with `argv` (without `node` and the script) and returns the exit
 * code: 0 success, 1 failure (a clear message on stderr), 2 bad usage (with the command's usage).
 */
export async function run(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as {
      version: string;
    };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`dmdet: unknown command ${JSON.stringify(name)}\n\n${MAIN_HELP}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`dmdet ${name}: ${e.message}\n\n${command.help}`);
      return 2;
    }
    const err = e as Error & { code?: string };
    io.stderr.write(`dmdet ${name}: ${err.message ?? String(e)}\n`);
    if (process.env['DMDET_DEBUG']) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
