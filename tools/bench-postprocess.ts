/**
 * `npm run bench:postprocess`: local maxima of a 10×512×512 float32 map and SEF3D end to end on a
 * 10×512×512 uint16 volume, beside scipy doing the same on the same data in the same run:
 * - local maxima: `maximum_filter(size=3, mode='nearest')`, equality and threshold, `argwhere`;
 * - SEF3D: `gaussian_laplace` (σ 1, 1.4, 1.4), median and MAD, then the same local maxima;
 * - Gaussian smoothing (σ 1, as the 'spots' input normalisation uses it): `gaussian_filter` on float32.
 * The data: a simulated PTC volume (SNR 2, 500 particles) and its density map.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { densityMap } from '@dmdet/groundtruth';
import { detectSEF3D, gaussianFilter3D, localMaxima3D } from '@dmdet/postprocess';
import { simulateVolume } from '@dmdet/simulate';
import { requirePython } from './lib/python-check';

const REPEATS = 3;
const python = requirePython('bench:postprocess', ['numpy', 'scipy']);

function best<T>(fn: () => T): { ms: number; result: T } {
  let ms = Number.POSITIVE_INFINITY;
  let result = fn();
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    result = fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, result };
}

const sim = simulateVolume({ snr: 2, density: 'medium', seed: 4 });
const map = densityMap(sim.points, sim.volume.shape, { sigmaXY: 1.4, sigmaZ: 1 });
const lm = best(() => localMaxima3D(map, { threshold: 0.5, refine: 'none' }));
const lmRefined = best(() => localMaxima3D(map, { threshold: 0.5 }));
// noise 'global': the same pipeline as the scipy script (one σ); the default also scales σ per voxel.
const sef = best(() =>
  detectSEF3D(sim.volume, { sigmaXY: 1.4, sigmaZ: 1, threshold: 3, refine: 'none', noise: 'global' }),
);
const sefPosition = best(() =>
  detectSEF3D(sim.volume, { sigmaXY: 1.4, sigmaZ: 1, threshold: 3, refine: 'none' }),
);
const smooth = best(() => gaussianFilter3D(sim.volume, { sigmaXY: 1, sigmaZ: 1 }));

const dir = mkdtempSync(join(tmpdir(), 'dmdet-bench-'));
try {
  writeFileSync(join(dir, 'map.f32'), map.data);
  writeFileSync(join(dir, 'vol.u16'), sim.volume.data);
  const py = `
import json, sys, time
import numpy as np
from scipy import ndimage
d = sys.argv[1]
m = np.fromfile(d + '/map.f32', dtype='<f4').reshape(10, 512, 512)
v = np.fromfile(d + '/vol.u16', dtype='<u2').reshape(10, 512, 512)
def maxima(img, thr):
    return np.argwhere((img == ndimage.maximum_filter(img, size=3, mode='nearest')) & (img >= thr))
def sef():
    e = -ndimage.gaussian_laplace(v.astype(np.float32), sigma=(1.0, 1.4, 1.4), mode='reflect', truncate=4.0)
    med = np.median(e)
    s = 1.4826 * np.median(np.abs(e - med))
    return maxima((e - med) / s, 3.0)
def best(f):
    m_, r = 1e9, f()
    for _ in range(${REPEATS}):
        t = time.perf_counter(); r = f(); m_ = min(m_, time.perf_counter() - t)
    return m_ * 1000, r
lm_ms, lm_r = best(lambda: maxima(m, 0.5))
sef_ms, sef_r = best(sef)
vf = v.astype(np.float32)
g_ms, g_r = best(lambda: ndimage.gaussian_filter(vf, sigma=1.0, mode='reflect', truncate=4.0))
np.asarray(g_r, dtype='<f4').tofile(d + '/smooth.f32')
print(json.dumps({'lm_ms': lm_ms, 'lm_n': len(lm_r), 'sef_ms': sef_ms, 'sef_n': len(sef_r), 'g_ms': g_ms}))
`;
  const ref = JSON.parse(
    execFileSync(python, ['-c', py, dir], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    }),
  );
  console.log(`10×512×512, best of ${REPEATS}; baseline: scipy on the same data in the same run\n`);
  console.log(
    'step                                   dmdet ms   scipy ms   dmdet / scipy   detections (dmdet / scipy)',
  );
  const row = (name: string, ms: number, refMs: number, n: number, refN: number) =>
    console.log(
      `${name.padEnd(38)} ${ms.toFixed(1).padStart(8)}   ${refMs.toFixed(1).padStart(8)}   ${(ms / refMs).toFixed(2).padStart(13)}   ${n} / ${refN}`,
    );
  row('local maxima (float32 map, 3×3×3)', lm.ms, ref.lm_ms, lm.result.length, ref.lm_n);
  row('  + parabola refinement', lmRefined.ms, ref.lm_ms, lmRefined.result.length, ref.lm_n);
  row('SEF3D end to end (uint16)', sef.ms, ref.sef_ms, sef.result.detections.length, ref.sef_n);
  row(
    '  default: σ per voxel (no scipy twin)',
    sefPosition.ms,
    ref.sef_ms,
    sefPosition.result.detections.length,
    ref.sef_n,
  );
  const scipySmooth = new Float32Array(readFileSync(join(dir, 'smooth.f32')).buffer.slice(0));
  let worst = 0;
  for (let i = 0; i < scipySmooth.length; i++)
    worst = Math.max(worst, Math.abs((smooth.result.data[i] as number) - (scipySmooth[i] as number)));
  console.log(
    `${'Gaussian smoothing σ 1 (float32 out)'.padEnd(38)} ${smooth.ms.toFixed(1).padStart(8)}   ${ref.g_ms.toFixed(1).padStart(8)}   ${(smooth.ms / ref.g_ms).toFixed(2).padStart(13)}   max |Δ| ${worst.toExponential(1)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
