/**
 * `npm run bench:metrics`: optimal gated matching (@dmdet/metrics `matchPoints`) against scipy on
 * the same inputs in the same run (Debian python3-scipy):
 * - scipy, same algorithm: cKDTree pairs within the gate, connected components, and
 *   `linear_sum_assignment` on each component's gated cost matrix;
 * - scipy, as Spotiflow scores: one dense `cdist` + `linear_sum_assignment` (only where it fits).
 * Cases: 1k and 10k points at the PTC virus scenario's density (detections = truth + 1-voxel noise,
 * 5 % missed, 5 % false), and a dense cluster (1000 + 1000 points in 12×12×4 voxels, one component).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchPoints, type Point3 } from '@dmdet/metrics';
import { requirePython } from './lib/python-check';

const python = requirePython('bench:metrics', ['numpy', 'scipy']);
const REPEATS = 5;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function ptcLike(n: number, seed: number): { truth: Point3[]; detections: Point3[] } {
  const rand = lcg(seed);
  // 1000 particles per 10×512×512: keep that density for n points.
  const side = 512 * Math.sqrt(n / 1000);
  const truth = Array.from({ length: n }, () => ({ x: rand() * side, y: rand() * side, z: rand() * 9 }));
  const detections = truth
    .filter(() => rand() > 0.05)
    .map((p) => ({ x: p.x + rand() * 2 - 1, y: p.y + rand() * 2 - 1, z: p.z + rand() - 0.5 }));
  for (let i = 0; i < n * 0.05; i++) detections.push({ x: rand() * side, y: rand() * side, z: rand() * 9 });
  return { truth, detections };
}

function cluster(n: number, seed: number): { truth: Point3[]; detections: Point3[] } {
  const rand = lcg(seed);
  const p = () => ({ x: rand() * 12, y: rand() * 12, z: rand() * 4 });
  return { truth: Array.from({ length: n }, p), detections: Array.from({ length: n }, p) };
}

const cases = [
  { name: '1k PTC density', ...ptcLike(1000, 1), dense: true },
  { name: '10k PTC density', ...ptcLike(10000, 2), dense: false },
  { name: 'dense cluster 1000+1000', ...cluster(1000, 3), dense: true },
];

function best(fn: () => unknown): { ms: number; result: unknown } {
  let ms = Number.POSITIVE_INFINITY;
  let result: unknown;
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    result = fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, result };
}

const dir = mkdtempSync(join(tmpdir(), 'dmdet-bench-'));
try {
  const py = `
import json, sys, time
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
REPEATS = ${REPEATS}
def components_lsa(t, d, gate):
    pairs = cKDTree(t).sparse_distance_matrix(cKDTree(d), gate, output_type='coo_matrix')
    nt, nd = len(t), len(d)
    g = coo_matrix((np.ones(pairs.nnz), (pairs.row, pairs.col + nt)), shape=(nt + nd, nt + nd))
    _, label = connected_components(g, directed=False)
    tp, total = 0, 0.0
    comp = label[pairs.row]
    order = np.argsort(comp, kind='stable')
    rows, cols, vals, comp = pairs.row[order], pairs.col[order], pairs.data[order], comp[order]
    bounds = np.flatnonzero(np.diff(comp)) + 1
    for r, c, v in zip(np.split(rows, bounds), np.split(cols, bounds), np.split(vals, bounds)):
        ur, ri = np.unique(r, return_inverse=True)
        uc, ci = np.unique(c, return_inverse=True)
        big = (min(len(ur), len(uc)) + 1) * gate + 1
        m = np.full((len(ur), len(uc)), big)
        m[ri, ci] = v
        a, b = linear_sum_assignment(m)
        ok = m[a, b] < big
        tp += int(ok.sum()); total += float(m[a, b][ok].sum())
    return tp, total
def dense_lsa(t, d, gate):
    D = cdist(t, d)
    C = np.where(D <= gate, D, 1e8)
    a, b = linear_sum_assignment(C)
    ok = D[a, b] <= gate
    return int(ok.sum()), float(D[a, b][ok].sum())
def best(f):
    m, r = 1e9, None
    for _ in range(REPEATS):
        t0 = time.perf_counter(); r = f(); m = min(m, time.perf_counter() - t0)
    return m * 1000, r
out = []
for c in json.load(open(sys.argv[1])):
    t = np.array(c['truth']); d = np.array(c['detections'])
    comp_ms, comp_r = best(lambda: components_lsa(t, d, 5.0))
    row = {'components_ms': comp_ms, 'tp': comp_r[0], 'total': comp_r[1]}
    if c['dense']:
        dense_ms, dense_r = best(lambda: dense_lsa(t, d, 5.0))
        row.update({'dense_ms': dense_ms, 'dense_tp': dense_r[0]})
    out.append(row)
print(json.dumps(out))
`;
  const file = join(dir, 'cases.json');
  writeFileSync(
    file,
    JSON.stringify(
      cases.map((c) => ({
        truth: c.truth.map((p) => [p.z, p.y, p.x]),
        detections: c.detections.map((p) => [p.z, p.y, p.x]),
        dense: c.dense,
      })),
    ),
  );
  const ref = JSON.parse(execFileSync(python, ['-c', py, file], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  console.log(`gate 5 voxels, best of ${REPEATS}; baselines: scipy on the same points in the same run\n`);
  console.log(
    'case                       points        dmdet ms   scipy (same algorithm) ms   ratio   scipy dense LSA ms   ratio   TP equal',
  );
  cases.forEach((c, i) => {
    const r = ref[i];
    const { ms, result } = best(() => matchPoints(c.truth, c.detections));
    const m = result as ReturnType<typeof matchPoints>;
    const total = m.pairs.reduce((a, p) => a + p.distance, 0);
    const same = m.tp === r.tp && Math.abs(total - r.total) < 1e-6 * Math.max(1, r.total);
    const dense = r.dense_ms === undefined ? '—' : r.dense_ms.toFixed(1);
    const denseRatio = r.dense_ms === undefined ? '—' : (ms / r.dense_ms).toFixed(2);
    console.log(
      `${c.name.padEnd(26)} ${`${c.truth.length}×${c.detections.length}`.padEnd(12)} ${ms.toFixed(1).padStart(9)}   ${r.components_ms
        .toFixed(1)
        .padStart(
          25,
        )}   ${(ms / r.components_ms).toFixed(2).padStart(5)}   ${dense.padStart(18)}   ${denseRatio.padStart(5)}   ${same ? 'yes' : `NO (${m.tp} vs ${r.tp})`}`,
    );
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
