/**
 * `npm run bench:targets`: density map, weight map and simulation of one 10×512×512 volume with
 * 1000 particles (the PTC virus scenario at high density), beside a numpy/scipy baseline doing the
 * same work in the same run (Debian's python3-numpy/-scipy):
 * - density map: numpy, per particle a truncated separable Gaussian box combined with np.maximum;
 * - weight map: scipy.ndimage.grey_dilation (3×3 in-plane) and a threshold;
 * - simulation: the same numpy rendering (sum) of 1000 spots plus background, then numpy's Poisson.
 * Single-threaded on both sides (Node is; numpy here is for these operations).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { densityMap, weightMap } from '@dmdet/groundtruth';
import { simulateVolume } from '@dmdet/simulate';
import { requirePython } from './lib/python-check';

const REPEATS = 5;
const python = requirePython('bench:targets', ['numpy', 'scipy']);

function best(fn: () => unknown): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const shape: [number, number, number] = [10, 512, 512];
const sim = simulateVolume({ shape, density: 'high', snr: 2, seed: 1 });
const points = sim.points;
const ours = {
  density: best(() => densityMap(points, shape, { sigmaXY: 1.4, sigmaZ: 1 })),
  weight: 0,
  simulate: best(() => simulateVolume({ shape, density: 'high', snr: 2, seed: 1 })),
};
const density = densityMap(points, shape, { sigmaXY: 1.4, sigmaZ: 1 });
ours.weight = best(() => weightMap(density));

const dir = mkdtempSync(join(tmpdir(), 'dmdet-bench-'));
try {
  writeFileSync(join(dir, 'points.json'), JSON.stringify(points.map((p) => [p.z, p.y, p.x])));
  const py = `
import json, sys, time
import numpy as np
from scipy import ndimage
pts = np.array(json.load(open(sys.argv[1])))
Z, Y, X = 10, 512, 512
sxy, sz, T = 1.4, 1.0, 4.0
def boxes(p):
    lo = [max(0, int(np.ceil(p[0] - T * sz))), max(0, int(np.ceil(p[1] - T * sxy))), max(0, int(np.ceil(p[2] - T * sxy)))]
    hi = [min(Z - 1, int(np.floor(p[0] + T * sz))), min(Y - 1, int(np.floor(p[1] + T * sxy))), min(X - 1, int(np.floor(p[2] + T * sxy)))]
    gz = np.exp(-(np.arange(lo[0], hi[0] + 1) - p[0]) ** 2 / (2 * sz * sz))
    gy = np.exp(-(np.arange(lo[1], hi[1] + 1) - p[1]) ** 2 / (2 * sxy * sxy))
    gx = np.exp(-(np.arange(lo[2], hi[2] + 1) - p[2]) ** 2 / (2 * sxy * sxy))
    return (slice(lo[0], hi[0] + 1), slice(lo[1], hi[1] + 1), slice(lo[2], hi[2] + 1)), gz[:, None, None] * gy[None, :, None] * gx[None, None, :]
def density():
    out = np.zeros((Z, Y, X), np.float32)
    for p in pts:
        s, g = boxes(p)
        np.maximum(out[s], g, out=out[s])
    return out
def simulate():
    lam = np.full((Z, Y, X), 10.0)
    for p in pts:
        s, g = boxes(p)
        lam[s] += 8.63 * g
    return np.random.default_rng(1).poisson(lam).astype(np.uint16)
def best(f):
    m = 1e9
    for _ in range(${REPEATS}):
        t = time.perf_counter(); f(); m = min(m, time.perf_counter() - t)
    return m * 1000
d = density()
print(json.dumps({"density": best(density),
                  "weight": best(lambda: np.where(ndimage.grey_dilation(d, size=(1, 3, 3)) >= 0.2, 11.0, 1.0).astype(np.float32)),
                  "simulate": best(simulate)}))
`;
  const ref = JSON.parse(
    execFileSync(python, ['-c', py, join(dir, 'points.json')], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    }),
  );
  console.log(
    `10×512×512, ${points.length} particles, σxy 1.4, σz 1; best of ${REPEATS}; baseline: numpy/scipy, same work, same run\n`,
  );
  console.log('step                      dmdet ms   numpy/scipy ms   dmdet / baseline');
  for (const [name, label] of [
    ['density', 'density map'],
    ['weight', 'weight map (3×3, T 0.2)'],
    ['simulate', 'simulate one volume'],
  ] as const) {
    console.log(
      `${label.padEnd(25)} ${ours[name].toFixed(1).padStart(8)}   ${ref[name].toFixed(1).padStart(14)}   ${(ours[name] / ref[name]).toFixed(2).padStart(16)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
