import { checkNumber, PostprocessError } from './errors';

/**
 * Which detections are axial ghosts: the axial tail (or side lobe) of a brighter spot, taken for a
 * second spot. A PSF with an axial tail, seen by a detector trained on other PSFs, gives a second
 * maximum a few slices along z from each bright spot; in the input it is a fraction of that spot's
 * brightness. A detection is a ghost where another lies `dz[0]`–`dz[1]` slices from it along z,
 * within `lateral` pixels in-plane (positions in a grid where a spot has σz ≈ 1 slice and σxy ≈
 * 1.4 px, e.g. a model's spot scale), and its contrast is below `ratio` × that detection's.
 */
export interface AxialGhostRule {
  /** Largest contrast ratio (ghost / the spot it belongs to) taken for a ghost, in (0, 1). */
  ratio: number;
  /** Axial distance `[min, max]` (slices) between a ghost and its spot. */
  dz: [number, number];
  /** Largest in-plane distance (pixels) between a ghost and its spot. */
  lateral: number;
  /**
   * A PSF's tail lies on one side of its spot, the same for every spot, where true neighbours are
   * as often above as below: with `dominance` d, the candidates are dropped only on the side
   * (above or below their spot) holding at least d times as many of them as the other, and none
   * where neither side does. Absent: every candidate, on both sides.
   */
  dominance?: number;
}

/**
 * The rule the general built-in model carries: ratio 0.25, 2–6 slices, 2.5 px (at its spot scale,
 * σxy 1.4 px, σz 1 slice), one side dominating 3 to 1. Measured with
 * `tools/analysis/axial_ghosts.py`: the ghosts of an axial tail of 0.3 lie at 0.12–0.32 of their
 * spot, all on the tail's side; in a dense scene (2,000 spots in 16×256×256) about 1 spot in 10
 * has such a brighter neighbour, on either side, mostly above 0.25 of it (10th percentile
 * 0.26–0.34).
 */
export const AXIAL_GHOST_DEFAULTS: Readonly<AxialGhostRule> = Object.freeze({
  ratio: 0.25,
  dz: [2, 6] as [number, number],
  lateral: 2.5,
  dominance: 3,
});

/** Checks an {@link AxialGhostRule} (e.g. read from a model's metadata); returns it. */
export function checkAxialGhostRule(rule: unknown, label = 'axialGhosts'): AxialGhostRule {
  const r = rule as Partial<AxialGhostRule> | undefined;
  const fail = (what: string): never => {
    throw new PostprocessError('INVALID_OPTION', `${label}: ${what}, got ${JSON.stringify(rule)}`);
  };
  if (typeof r !== 'object' || r === null) fail('must be an object { ratio, dz, lateral }');
  const { ratio, dz, lateral } = r as AxialGhostRule;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio < 1)) fail('ratio must be a number in (0, 1)');
  if (
    !Array.isArray(dz) ||
    dz.length !== 2 ||
    dz.some((v) => typeof v !== 'number' || !Number.isFinite(v)) ||
    !((dz[0] as number) >= 0 && (dz[1] as number) >= (dz[0] as number))
  )
    fail('dz must be [min, max] slices with 0 <= min <= max');
  if (typeof lateral !== 'number' || !(lateral >= 0) || !Number.isFinite(lateral))
    fail('lateral must be a finite number >= 0');
  const dominance = (r as AxialGhostRule).dominance;
  if (
    dominance !== undefined &&
    (typeof dominance !== 'number' || !(dominance >= 1) || !Number.isFinite(dominance))
  )
    fail('dominance must be a finite number >= 1 when given');
  return r as AxialGhostRule;
}

/**
 * Each point's contrast in `data` (z-y-x): the mean of the 3×3×3 voxels around its nearest voxel
 * minus the median of the 7×21×21 box around it (both cut at the borders; NaN voxels left out), a
 * brightness above the local background that a camera offset or a slow background does not move.
 * A point whose boxes hold no finite voxel gets NaN.
 */
export function localContrasts(
  data: ArrayLike<number>,
  shape: readonly [number, number, number],
  points: readonly { z: number; y: number; x: number }[],
): number[] {
  const [Z, Y, X] = shape;
  if (data.length !== Z * Y * X)
    throw new PostprocessError(
      'INVALID_VOLUME',
      `data has ${data.length} values, shape ${shape.join('×')} needs ${Z * Y * X}`,
    );
  // One buffer for every box (7×21×21 at most), sorted as a typed array.
  const buffer = new Float64Array(7 * 21 * 21);
  const gather = (cz: number, cy: number, cx: number, rz: number, ry: number, rx: number) => {
    let n = 0;
    for (let z = Math.max(cz - rz, 0); z <= Math.min(cz + rz, Z - 1); z++)
      for (let y = Math.max(cy - ry, 0); y <= Math.min(cy + ry, Y - 1); y++)
        for (let x = Math.max(cx - rx, 0); x <= Math.min(cx + rx, X - 1); x++) {
          const v = data[(z * Y + y) * X + x] as number;
          if (Number.isFinite(v)) buffer[n++] = v;
        }
    return buffer.subarray(0, n);
  };
  return points.map((p) => {
    const cz = clampIndex(p.z, Z);
    const cy = clampIndex(p.y, Y);
    const cx = clampIndex(p.x, X);
    const core = gather(cz, cy, cx, 1, 1, 1);
    if (core.length === 0) return Number.NaN;
    const mean = core.reduce((a, b) => a + b, 0) / core.length;
    const box = gather(cz, cy, cx, 3, 10, 10).sort();
    const n = box.length;
    const med =
      n % 2 === 1 ? (box[(n - 1) / 2] as number) : ((box[n / 2 - 1] as number) + (box[n / 2] as number)) / 2;
    return mean - med;
  });
}

/**
 * Flags the axial ghosts among `points` (positions at the rule's scale) by {@link AxialGhostRule},
 * given each point's contrast (e.g. {@link localContrasts} in the original volume): a list, or a
 * function of the point's index, called only for points with a neighbour in the rule's reach (at
 * most once each), so that a caller need not measure every point. A point with a non-finite
 * contrast is never a ghost and never makes one.
 *
 * @example
 * const ghost = findAxialGhosts(points, localContrasts(volume.data, volume.shape, points), AXIAL_GHOST_DEFAULTS);
 * const kept = points.filter((_, i) => !ghost[i]);
 */
export function findAxialGhosts(
  points: readonly { z: number; y: number; x: number }[],
  contrasts: readonly number[] | ((index: number) => number),
  rule: AxialGhostRule = AXIAL_GHOST_DEFAULTS,
): boolean[] {
  checkAxialGhostRule(rule);
  if (typeof contrasts !== 'function' && contrasts.length !== points.length)
    throw new PostprocessError(
      'INVALID_OPTION',
      `contrasts must hold one value per point: ${contrasts.length} for ${points.length} points`,
    );
  const measured = new Map<number, number>();
  const contrastOf = (i: number): number => {
    if (typeof contrasts !== 'function') return contrasts[i] as number;
    let c = measured.get(i);
    if (c === undefined) {
      c = contrasts(i);
      measured.set(i, c);
    }
    return c;
  };
  const [near, far] = rule.dz;
  // Sorted by z, so each point looks only at those within `far` slices.
  const order = checkedZOrder(points);
  // The side of each candidate: +1 above its (first found) brighter spot, −1 below, 0 none.
  const side = new Array<number>(points.length).fill(0);
  let lo = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    const p = points[i] as { z: number; y: number; x: number };
    while ((points[order[lo] as number] as { z: number }).z < p.z - far) lo++;
    for (let m = lo; m < order.length; m++) {
      const j = order[m] as number;
      const q = points[j] as { z: number; y: number; x: number };
      if (q.z > p.z + far) break;
      if (j === i || Math.abs(q.z - p.z) < near || Math.hypot(q.y - p.y, q.x - p.x) > rule.lateral) continue;
      const c = contrastOf(i);
      if (!Number.isFinite(c)) break;
      const cq = contrastOf(j);
      if (Number.isFinite(cq) && c < rule.ratio * cq) {
        side[i] = p.z > q.z ? 1 : -1;
        break;
      }
    }
  }
  if (rule.dominance === undefined) return side.map((v) => v !== 0);
  const above = side.filter((v) => v > 0).length;
  const below = side.filter((v) => v < 0).length;
  const keep =
    above >= rule.dominance * below && above > below
      ? 1
      : below >= rule.dominance * above && below > above
        ? -1
        : 0;
  return side.map((v) => keep !== 0 && v === keep);
}

/**
 * Which of `points` have another within an {@link AxialGhostRule}'s reach (`dz[0]`–`dz[1]` slices
 * along z and within `lateral` pixels in-plane), whatever their contrasts: the only points whose
 * contrast {@link findAxialGhosts} can need (e.g. to measure just those while their part of a
 * large volume is in memory).
 *
 * @example
 * const measure = inAxialGhostReach(points, AXIAL_GHOST_DEFAULTS);
 */
export function inAxialGhostReach(
  points: readonly { z: number; y: number; x: number }[],
  rule: AxialGhostRule = AXIAL_GHOST_DEFAULTS,
): boolean[] {
  checkAxialGhostRule(rule);
  const [near, far] = rule.dz;
  const order = checkedZOrder(points);
  const reach = new Array<boolean>(points.length).fill(false);
  let lo = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    const p = points[i] as { z: number; y: number; x: number };
    while ((points[order[lo] as number] as { z: number }).z < p.z - far) lo++;
    for (let m = lo; m < order.length && !reach[i]; m++) {
      const j = order[m] as number;
      const q = points[j] as { z: number; y: number; x: number };
      if (q.z > p.z + far) break;
      if (j !== i && Math.abs(q.z - p.z) >= near && Math.hypot(q.y - p.y, q.x - p.x) <= rule.lateral)
        reach[i] = true;
    }
  }
  return reach;
}

/** The points' indices sorted by z, after checking every coordinate is finite. */
function checkedZOrder(points: readonly { z: number; y: number; x: number }[]): number[] {
  for (const p of points)
    for (const k of ['z', 'y', 'x'] as const) checkNumber(`point.${k}`, p[k], () => true, 'a finite number');
  return points
    .map((_, i) => i)
    .sort((a, b) => (points[a] as { z: number }).z - (points[b] as { z: number }).z);
}

function clampIndex(v: number, n: number): number {
  return Math.min(Math.max(Math.round(v), 0), n - 1);
}
