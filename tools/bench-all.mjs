// `npm run bench`: every benchmark of the repository in one run, each printing its ratios against
// its reference (tifffile, numpy, scipy, PyTorch) measured in the same script:
// volume I/O, targets and simulation, matching, local maxima and SEF3D, and the model's training
// step and inference. DMDET_BENCH_QUICK=1 shortens the model benchmark.
import { spawnSync } from 'node:child_process';

const benches = ['bench:volume-io', 'bench:targets', 'bench:metrics', 'bench:postprocess', 'bench:model'];
const started = Date.now();
let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n===== npm run ${name} =====\n`);
  const r = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`npm run ${name} failed (exit ${r.status})\n`);
  }
}
process.stdout.write(
  `\nall benchmarks: ${((Date.now() - started) / 60000).toFixed(1)} min, ${failed} failed\n`,
);
process.exitCode = failed ? 1 : 0;
