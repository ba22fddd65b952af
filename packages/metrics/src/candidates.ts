import type { AxisScale, Point3 } from './points';

/** Truth–detection pairs within the gate: parallel arrays, distances in scaled units. */
export interface CandidatePairs {
  truth: Int32Array;
  detection: Int32Array;
  distance: Float64Array;
}

/**
 * Every (truth, detection) pair at most `gate` apart (scaled Euclidean distance), found through a
 * hash grid of cells `gate` wide: cost ∝ points + pairs, not truth × detections.
 */
export function candidatePairs(
  truth: readonly Point3[],
  detections: readonly Point3[],
  gate: number,
  scale: AxisScale,
): CandidatePairs {
  const [sz, sy, sx] = scale;
  const cell = (v: number) => Math.floor(v / gate);
  const grid = new Map<string, number[]>();
  detections.forEach((d, j) => {
    const key = `${cell(d.z * sz)},${cell(d.y * sy)},${cell(d.x * sx)}`;
    const list = grid.get(key);
    if (list) list.push(j);
    else grid.set(key, [j]);
  });
  const ti: number[] = [];
  const dj: number[] = [];
  const dist: number[] = [];
  const g2 = gate * gate;
  truth.forEach((t, i) => {
    const [tz, ty, tx] = [t.z * sz, t.y * sy, t.x * sx];
    const [cz, cy, cx] = [cell(tz), cell(ty), cell(tx)];
    for (let a = cz - 1; a <= cz + 1; a++)
      for (let b = cy - 1; b <= cy + 1; b++)
        for (let c = cx - 1; c <= cx + 1; c++) {
          const list = grid.get(`${a},${b},${c}`);
          if (!list) continue;
          for (const j of list) {
            const d = detections[j] as Point3;
            const d2 = (d.z * sz - tz) ** 2 + (d.y * sy - ty) ** 2 + (d.x * sx - tx) ** 2;
            if (d2 <= g2) {
              ti.push(i);
              dj.push(j);
              dist.push(Math.sqrt(d2));
            }
          }
        }
  });
  return { truth: Int32Array.from(ti), detection: Int32Array.from(dj), distance: Float64Array.from(dist) };
}
