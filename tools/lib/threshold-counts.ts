/**
 * Matching counts summed over volumes at several detection thresholds at once (the analyses under
 * tools/analysis detect once at the lowest threshold and keep the detections scoring at least each).
 */
import { evaluatePoints, type Point3 } from '@dmdet/metrics';

/** True positives, false positives and misses summed over volumes. */
export interface MatchCounts {
  tp: number;
  fp: number;
  fn: number;
}

/** One zeroed {@link MatchCounts} per threshold. */
export const emptyCounts = (thresholds: readonly number[]): MatchCounts[] =>
  thresholds.map(() => ({ tp: 0, fp: 0, fn: 0 }));

/** Adds one volume's matches (gate 5 voxels) at each threshold to `counts` (one per threshold). */
export function addCounts(
  counts: MatchCounts[],
  truth: readonly Point3[],
  detections: readonly (Point3 & { score: number })[],
  thresholds: readonly number[],
): void {
  thresholds.forEach((t, k) => {
    const e = evaluatePoints(
      truth,
      detections.filter((p) => p.score >= t),
      { gate: 5 },
    );
    const c = counts[k] as MatchCounts;
    c.tp += e.tp;
    c.fp += e.fp;
    c.fn += e.fn;
  });
}

/** F1 of summed counts (0 where there is nothing to match). */
export const f1Of = (c: MatchCounts): number => (2 * c.tp) / Math.max(1, 2 * c.tp + c.fp + c.fn);
