import { MetricsError } from './errors';
import type { MatchOptions } from './match';
import type { Point3 } from './points';
import { bestThreshold, type ScoredPoint } from './threshold';

/** Options of {@link fitThresholdRule}. */
export interface FitThresholdRuleOptions extends MatchOptions {
  /** Knots (bins of images by signal). Default 4. */
  knots?: number;
  /** Fewest images with a signal per knot. Default 6. */
  minImagesPerKnot?: number;
  /** Thresholds tried in each bin. Default 0.05, 0.10, …, 0.95. */
  candidates?: readonly number[];
}

/** A fitted threshold rule: knots (signals, strictly increasing) and the threshold at each. */
export interface FittedThresholdRule {
  knots: number[];
  thresholds: number[];
  /** Images per knot's bin. */
  counts: number[];
}

const DEFAULT_CANDIDATES = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** The q-quantile (0–1) of sorted values, linearly interpolated (NumPy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * Fits a detection threshold that follows each image's signal (a number per image, e.g.
 * `volumeSignal` of `@dmdet/postprocess`): the images with a signal are split into `knots` bins at
 * the quantiles of their signals; each bin's knot is its median signal and its threshold the one
 * of `candidates` with the best mean F1 over the bin's images ({@link bestThreshold}). Bins whose
 * knots coincide are merged. Images without a signal take no part. Throws when fewer than
 * `knots × minImagesPerKnot` images have a signal.
 *
 * @example
 * const rule = fitThresholdRule(validation.map((v) => ({ truth: v.truth, detections: v.maxima, signal: v.signal })));
 */
export function fitThresholdRule(
  images: readonly { truth: readonly Point3[]; detections: readonly ScoredPoint[]; signal?: number }[],
  options: FitThresholdRuleOptions = {},
): FittedThresholdRule {
  const { knots: K = 4, minImagesPerKnot = 6, candidates = DEFAULT_CANDIDATES } = options;
  if (!Number.isInteger(K) || K < 1)
    throw new MetricsError('INVALID_OPTION', `knots must be a positive integer, got ${K}`);
  if (!Number.isInteger(minImagesPerKnot) || minImagesPerKnot < 1)
    throw new MetricsError(
      'INVALID_OPTION',
      `minImagesPerKnot must be a positive integer, got ${minImagesPerKnot}`,
    );
  const withSignal = images.filter((im) => typeof im.signal === 'number' && Number.isFinite(im.signal));
  if (withSignal.length < K * minImagesPerKnot)
    throw new MetricsError(
      'INVALID_OPTION',
      `fitThresholdRule needs at least ${K * minImagesPerKnot} images with a signal (${K} knots × ${minImagesPerKnot}), got ${withSignal.length}`,
    );
  const sorted = withSignal.map((im) => im.signal as number).sort((a, b) => a - b);
  const edges = Array.from({ length: K + 1 }, (_, k) => quantile(sorted, k / K));
  const bins: (typeof withSignal)[] = [];
  for (let k = 0; k < K; k++) {
    const lo = edges[k] as number;
    const hi = edges[k + 1] as number;
    // Closed on both sides, as the bins were first fitted (an image on an edge counts in both).
    const bin = withSignal.filter((im) => (im.signal as number) >= lo && (im.signal as number) <= hi);
    const knot = quantile(
      bin.map((im) => im.signal as number).sort((a, b) => a - b),
      0.5,
    );
    const last = bins[bins.length - 1];
    const lastKnot =
      last &&
      quantile(
        last.map((im) => im.signal as number).sort((a, b) => a - b),
        0.5,
      );
    if (last && lastKnot !== undefined && !(knot > lastKnot)) {
      for (const im of bin) if (!last.includes(im)) last.push(im);
    } else bins.push(bin);
  }
  const rule: FittedThresholdRule = { knots: [], thresholds: [], counts: [] };
  for (const bin of bins) {
    rule.knots.push(
      quantile(
        bin.map((im) => im.signal as number).sort((a, b) => a - b),
        0.5,
      ),
    );
    rule.thresholds.push(bestThreshold(bin, { ...options, candidates }).threshold);
    rule.counts.push(bin.length);
  }
  return rule;
}
