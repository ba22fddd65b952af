import { type CandidatePairs, candidatePairs } from './candidates';
import { linearSumAssignment } from './linear-assignment';
import { type AxisScale, checkGateAndScale, checkPoints, type Point3 } from './points';

/** Options of {@link matchPoints}. */
export interface MatchOptions {
  /** Largest distance of a matched pair, inclusive, in scaled units. Default 5 (voxels), as the PTC. */
  gate?: number;
  /** Per-axis scale `[z, y, x]` applied before measuring distances (e.g. the voxel size in µm). Default [1, 1, 1]. */
  scale?: AxisScale;
}

/** One matched pair: indices into the inputs and their distance (scaled units). */
export interface MatchedPair {
  truth: number;
  detection: number;
  distance: number;
}

/** The optimal one-to-one matching of truth and detections, and its counts. */
export interface MatchResult {
  /** Matched pairs, sorted by truth index. */
  pairs: MatchedPair[];
  /** True positives: matched pairs. */
  tp: number;
  /** False positives: unmatched detections. */
  fp: number;
  /** False negatives: unmatched truth points. */
  fn: number;
  /** Indices of unmatched truth points. */
  unmatchedTruth: number[];
  /** Indices of unmatched detections. */
  unmatchedDetections: number[];
}

/** Union–find over truth (0..nt-1) and detection (nt..nt+nd-1) nodes. */
function components(
  nt: number,
  nd: number,
  pairs: CandidatePairs,
  active: (k: number) => boolean,
): Int32Array {
  const parent = Int32Array.from({ length: nt + nd }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a] as number] as number;
      a = parent[a] as number;
    }
    return a;
  };
  for (let k = 0; k < pairs.truth.length; k++) {
    if (!active(k)) continue;
    const a = find(pairs.truth[k] as number);
    const b = find(nt + (pairs.detection[k] as number));
    if (a !== b) parent[a] = b;
  }
  for (let i = 0; i < parent.length; i++) parent[i] = find(i);
  return parent;
}

/**
 * The matching over candidate pairs (optionally only those whose detection is active): each
 * connected component of the gate graph solved exactly on its own, most pairs first, then the least
 * total distance (a gated cost matrix where a non-pair costs more than any set of real pairs).
 */
export function solveMatching(
  nTruth: number,
  nDetections: number,
  pairs: CandidatePairs,
  gate: number,
  activeDetection?: (j: number) => boolean,
): MatchResult {
  const active = activeDetection ? (k: number) => activeDetection(pairs.detection[k] as number) : () => true;
  const root = components(nTruth, nDetections, pairs, active);
  const byComponent = new Map<number, number[]>();
  for (let k = 0; k < pairs.truth.length; k++) {
    if (!active(k)) continue;
    const r = root[pairs.truth[k] as number] as number;
    const list = byComponent.get(r);
    if (list) list.push(k);
    else byComponent.set(r, [k]);
  }
  const matched: MatchedPair[] = [];
  for (const edges of byComponent.values()) {
    if (edges.length === 1) {
      const k = edges[0] as number;
      matched.push({
        truth: pairs.truth[k] as number,
        detection: pairs.detection[k] as number,
        distance: pairs.distance[k] as number,
      });
      continue;
    }
    const rowsOf = new Map<number, number>();
    const colsOf = new Map<number, number>();
    for (const k of edges) {
      const t = pairs.truth[k] as number;
      const d = pairs.detection[k] as number;
      if (!rowsOf.has(t)) rowsOf.set(t, rowsOf.size);
      if (!colsOf.has(d)) colsOf.set(d, colsOf.size);
    }
    const transpose = rowsOf.size > colsOf.size;
    const rows = transpose ? colsOf.size : rowsOf.size;
    const cols = transpose ? rowsOf.size : colsOf.size;
    const big = (rows + 1) * gate + 1;
    const cost = new Float64Array(rows * cols).fill(big);
    for (const k of edges) {
      const t = rowsOf.get(pairs.truth[k] as number) as number;
      const d = colsOf.get(pairs.detection[k] as number) as number;
      cost[transpose ? d * cols + t : t * cols + d] = pairs.distance[k] as number;
    }
    const assignment = linearSumAssignment(cost, rows, cols);
    const truthIds = [...rowsOf.keys()];
    const detIds = [...colsOf.keys()];
    for (let r = 0; r < rows; r++) {
      const c = assignment[r] as number;
      const value = cost[r * cols + c] as number;
      if (value === big) continue;
      const [t, d] = transpose
        ? [truthIds[c] as number, detIds[r] as number]
        : [truthIds[r] as number, detIds[c] as number];
      matched.push({ truth: t, detection: d, distance: value });
    }
  }
  matched.sort((a, b) => a.truth - b.truth);
  const truthUsed = new Uint8Array(nTruth);
  const detUsed = new Uint8Array(nDetections);
  for (const p of matched) {
    truthUsed[p.truth] = 1;
    detUsed[p.detection] = 1;
  }
  const unmatchedTruth: number[] = [];
  for (let i = 0; i < nTruth; i++) if (!truthUsed[i]) unmatchedTruth.push(i);
  const unmatchedDetections: number[] = [];
  for (let j = 0; j < nDetections; j++)
    if (!detUsed[j] && (!activeDetection || activeDetection(j))) unmatchedDetections.push(j);
  return {
    pairs: matched,
    tp: matched.length,
    fp: unmatchedDetections.length,
    fn: unmatchedTruth.length,
    unmatchedTruth,
    unmatchedDetections,
  };
}

/**
 * Optimal one-to-one matching of ground-truth points and detections, as the Particle Tracking
 * Challenge scores detection: pairs farther apart than the gate (default 5 voxels; a pair exactly
 * at the gate counts) are not allowed; among all matchings the one with the most pairs, then the
 * least total distance (what scipy's `linear_sum_assignment` gives on gated costs). Exact, and fast
 * on real sizes: candidate pairs from a hash grid, each connected cluster solved on its own.
 *
 * @example
 * const m = matchPoints(truth, detections, { gate: 5 });
 * console.log(m.tp, m.fp, m.fn);
 */
export function matchPoints(
  truth: readonly Point3[],
  detections: readonly Point3[],
  options: MatchOptions = {},
): MatchResult {
  const { gate = 5, scale = [1, 1, 1] } = options;
  checkGateAndScale(gate, scale);
  checkPoints(truth, 'truth');
  checkPoints(detections, 'detections');
  return solveMatching(truth.length, detections.length, candidatePairs(truth, detections, gate, scale), gate);
}
