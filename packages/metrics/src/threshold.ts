import { candidatePairs } from './candidates';
import { MetricsError } from './errors';
import { type MatchOptions, solveMatching } from './match';
import { checkGateAndScale, checkPoints, type Point3 } from './points';
import { scores } from './scores';

/** A detection with the score it was found with (e.g. the density-map value). */
export type ScoredPoint = Point3 & { score: number };

/** Options of {@link bestThreshold}. */
export interface BestThresholdOptions extends MatchOptions {
  /** Thresholds to try. Default: every distinct score, or `maxCandidates` quantiles of them. */
  candidates?: readonly number[];
  /** Most thresholds tried when they are taken from the scores. Default 256. */
  maxCandidates?: number;
  /**
   * `'best'` (default): the threshold of the best mean F1, ties to the higher. `'lowest-within-one-spot'`:
   * the lowest threshold whose mean F1 is within one spot of the best, one spot being what one more
   * miss costs an image with all its spots found (1 / (2n − 1) for n spots), averaged over the images
   * and divided by their number. With few validation spots, thresholds a spot apart are
   * indistinguishable, and volumes the model has not seen tend to score lower than validation blocks
   * cut from its training stacks: the lowest such threshold keeps their spots.
   */
  choose?: 'best' | 'lowest-within-one-spot';
}

/** The chosen threshold, its mean F1, and the F1 at every threshold tried. */
export interface BestThresholdResult {
  threshold: number;
  meanF1: number;
  curve: { threshold: number; meanF1: number }[];
}

/**
 * The detection threshold that maximises the mean F1 over images (detections with score ≥ threshold
 * are kept), for choosing a model's threshold on a validation set. Each image's candidate pairs are
 * found once; every threshold then re-solves the optimal matching on the remaining detections.
 * Ties go to the higher threshold.
 *
 * @example
 * const { threshold, meanF1 } = bestThreshold(validation.map((v) => ({ truth: v.truth, detections: v.detections })));
 */
export function bestThreshold(
  images: readonly { truth: readonly Point3[]; detections: readonly ScoredPoint[] }[],
  options: BestThresholdOptions = {},
): BestThresholdResult {
  const { gate = 5, scale = [1, 1, 1], maxCandidates = 256 } = options;
  checkGateAndScale(gate, scale);
  if (images.length === 0) throw new MetricsError('INVALID_OPTION', 'bestThreshold needs at least one image');
  if (
    options.choose !== undefined &&
    options.choose !== 'best' &&
    options.choose !== 'lowest-within-one-spot'
  )
    throw new MetricsError(
      'INVALID_OPTION',
      `choose must be 'best' or 'lowest-within-one-spot', got ${JSON.stringify(options.choose)}`,
    );
  images.forEach((im, i) => {
    checkPoints(im.truth, `images[${i}].truth`);
    checkPoints(im.detections, `images[${i}].detections`);
    im.detections.forEach((d, j) => {
      if (typeof d.score !== 'number' || !Number.isFinite(d.score)) {
        throw new MetricsError(
          'INVALID_POINT',
          `images[${i}].detections[${j}].score must be a finite number, got ${d.score}`,
        );
      }
    });
  });
  let candidates: number[];
  if (options.candidates) {
    candidates = [...options.candidates];
    if (candidates.length === 0 || candidates.some((c) => !Number.isFinite(c))) {
      throw new MetricsError('INVALID_OPTION', 'candidates must be a non-empty list of finite thresholds');
    }
  } else {
    const all = [...new Set(images.flatMap((im) => im.detections.map((d) => d.score)))].sort((a, b) => a - b);
    if (all.length === 0) all.push(0);
    candidates =
      all.length <= maxCandidates
        ? all
        : Array.from(
            { length: maxCandidates },
            (_, k) => all[Math.round((k * (all.length - 1)) / (maxCandidates - 1))] as number,
          );
  }
  const prepared = images.map((im) => ({
    im,
    pairs: candidatePairs(im.truth, im.detections, gate, scale),
  }));
  const curve = [...new Set(candidates)]
    .sort((a, b) => a - b)
    .map((threshold) => {
      let sum = 0;
      for (const { im, pairs } of prepared) {
        const keep = (j: number) => (im.detections[j] as ScoredPoint).score >= threshold;
        sum += scores(solveMatching(im.truth.length, im.detections.length, pairs, gate, keep)).f1;
      }
      return { threshold, meanF1: sum / prepared.length };
    });
  let best = curve[0] as { threshold: number; meanF1: number };
  for (const c of curve) if (c.meanF1 >= best.meanF1) best = c;
  if (options.choose === 'lowest-within-one-spot') {
    const oneSpot =
      images.reduce((sum, im) => sum + 1 / Math.max(1, 2 * im.truth.length - 1), 0) / images.length ** 2;
    const low = curve.find((c) => c.meanF1 >= best.meanF1 - oneSpot - 1e-12);
    if (low) best = low;
  }
  return { threshold: best.threshold, meanF1: best.meanF1, curve };
}
