import {
  type DetectionScores,
  evaluatePoints,
  type GroupSummary,
  type Point3,
  summarize,
} from '@dmdet/metrics';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Largest distance of a match, in voxels (or scaled units). Default 5 (docs/method.md). */
  gate?: number;
  /** Per-axis scale `[z, y, x]` applied before distances. Default [1, 1, 1]. */
  scale?: [number, number, number];
}

/**
 * Scores detections against ground truth as the Particle Tracking Challenge does: optimal one-to-one
 * matching within the gate, then TP/FP/FN, precision, recall, F1, Jaccard and RMSE.
 *
 * @example
 * const { f1, rmse } = evaluate(truth, points, { gate: 5 });
 */
export function evaluate(
  truth: readonly Point3[],
  detections: readonly Point3[],
  options: EvaluateOptions = {},
): DetectionScores {
  return evaluatePoints(truth, detections, {
    gate: options.gate ?? 5,
    ...(options.scale ? { scale: options.scale } : {}),
  });
}

/** One image of {@link evaluateMany}: its truth, detections and group (e.g. the SNR). */
export interface EvaluationItem {
  id?: string;
  group?: string | number;
  truth: readonly Point3[];
  detections: readonly Point3[];
}

/**
 * Scores many images and summarises them per group (mean ± std of each score, as the paper's Table 1).
 *
 * @example
 * const { rows, groups } = evaluateMany(items.map((i) => ({ group: i.snr, truth: i.truth, detections: i.found })));
 */
export function evaluateMany(
  items: readonly EvaluationItem[],
  options: EvaluateOptions = {},
): { rows: { id?: string; group?: string | number; scores: DetectionScores }[]; groups: GroupSummary[] } {
  const rows = items.map((item) => ({
    ...(item.id !== undefined ? { id: item.id } : {}),
    ...(item.group !== undefined ? { group: item.group } : {}),
    scores: evaluate(item.truth, item.detections, options),
  }));
  return { rows, groups: summarize(rows) };
}
