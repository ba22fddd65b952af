import { MetricsError } from './errors';
import { type MatchOptions, type MatchResult, matchPoints } from './match';
import type { Point3 } from './points';

/** Detection scores of one image. */
export interface DetectionScores {
  tp: number;
  fp: number;
  fn: number;
  /** TP / (TP + FP). */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
  /** 2TP / (2TP + FP + FN). */
  f1: number;
  /** TP / (TP + FP + FN). */
  jaccard: number;
  /** Root mean square distance of the matched pairs (scaled units); NaN without pairs. */
  rmse: number;
}

const ratio = (num: number, den: number) => (den === 0 ? 1 : num / den);

/**
 * Precision, recall, F1, Jaccard and RMSE of a matching. With no truth and no detections the image
 * is perfect: precision, recall, F1 and Jaccard are 1 (nothing to find, nothing wrongly found).
 */
export function scores(match: MatchResult): DetectionScores {
  const { tp, fp, fn } = match;
  let sq = 0;
  for (const p of match.pairs) sq += p.distance * p.distance;
  return {
    tp,
    fp,
    fn,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    jaccard: ratio(tp, tp + fp + fn),
    rmse: tp > 0 ? Math.sqrt(sq / tp) : Number.NaN,
  };
}

/** Matches and scores in one call: `scores(matchPoints(truth, detections, options))`. */
export function evaluatePoints(
  truth: readonly Point3[],
  detections: readonly Point3[],
  options: MatchOptions = {},
): DetectionScores {
  return scores(matchPoints(truth, detections, options));
}

/** Mean and standard deviation of one score over images. */
export interface MeanStd {
  mean: number;
  std: number;
}

/** Per-group aggregation of per-image scores. */
export interface GroupSummary {
  /** The group key (e.g. an SNR level), or `'all'`. */
  group: string | number;
  /** Number of images. */
  n: number;
  precision: MeanStd;
  recall: MeanStd;
  f1: MeanStd;
  jaccard: MeanStd;
  /** Over the images that have matched pairs. */
  rmse: MeanStd;
  /** Sums of TP, FP, FN over the group's images. */
  tp: number;
  fp: number;
  fn: number;
}

function meanStd(values: number[], ddof: number): MeanStd {
  const v = values.filter((x) => !Number.isNaN(x));
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const den = v.length - ddof;
  const std = den > 0 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / den) : Number.NaN;
  return { mean, std };
}

/**
 * Mean ± standard deviation of per-image scores, per group (in order of first appearance) and over
 * all images (`group: 'all'`, last), as the paper's tables report them. `ddof` 0 (default) gives the
 * population standard deviation (numpy's default), 1 the sample one.
 *
 * @example
 * summarize(images.map((im) => ({ group: im.snr, scores: evaluatePoints(im.truth, im.detections) })));
 */
export function summarize(
  rows: readonly { group?: string | number; scores: DetectionScores }[],
  options: { ddof?: number } = {},
): GroupSummary[] {
  const { ddof = 0 } = options;
  if (ddof !== 0 && ddof !== 1) throw new MetricsError('INVALID_OPTION', `ddof must be 0 or 1, got ${ddof}`);
  const groups = new Map<string | number, DetectionScores[]>();
  for (const r of rows) {
    const key = r.group ?? 'all';
    const list = groups.get(key);
    if (list) list.push(r.scores);
    else groups.set(key, [r.scores]);
  }
  const summary = (group: string | number, list: DetectionScores[]): GroupSummary => ({
    group,
    n: list.length,
    precision: meanStd(
      list.map((s) => s.precision),
      ddof,
    ),
    recall: meanStd(
      list.map((s) => s.recall),
      ddof,
    ),
    f1: meanStd(
      list.map((s) => s.f1),
      ddof,
    ),
    jaccard: meanStd(
      list.map((s) => s.jaccard),
      ddof,
    ),
    rmse: meanStd(
      list.map((s) => s.rmse),
      ddof,
    ),
    tp: list.reduce((a, s) => a + s.tp, 0),
    fp: list.reduce((a, s) => a + s.fp, 0),
    fn: list.reduce((a, s) => a + s.fn, 0),
  });
  const out = [...groups.entries()].filter(([k]) => k !== 'all').map(([k, list]) => summary(k, list));
  out.push(
    summary(
      'all',
      rows.map((r) => r.scores),
    ),
  );
  return out;
}
