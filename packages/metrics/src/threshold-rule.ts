import { candidatePairs } from './candidates';
import { type FitClutterTermOptions, type FittedClutterTerm, fitClutterTerm } from './clutter-term';
import { MetricsError } from './errors';
import { type MatchOptions, solveMatching } from './match';
import { checkGateAndScale, checkPoints, type Point3 } from './points';
import { scores } from './scores';
import type { ScoredPoint } from './threshold';

/** Options of {@link fitThresholdRule}. */
export interface FitThresholdRuleOptions extends MatchOptions {
  /** Knots (bins of images by signal). Default 4. */
  knots?: number;
  /** Fewest images with a signal per knot. Default 6. */
  minImagesPerKnot?: number;
  /** Thresholds tried in each bin. Default 0.05, 0.10, …, 0.95. */
  candidates?: readonly number[];
  /**
   * Slopes tried for a term `slope × logZoom` added to each image's threshold (one slope for all
   * bins, the one of best mean F1 over all images, ties to the smallest |slope|). Default [0]: none.
   */
  zoomSlopes?: readonly number[];
  /**
   * Fewest images without a signal for a `fallback` to be fitted on them (their threshold of best
   * pooled F1). Default: `minImagesPerKnot`.
   */
  minFallbackImages?: number;
  /**
   * A threshold the fallback must beat, by pooled F1 over the images without a signal (e.g. the
   * model's fixed threshold): where it does not, no `fallback` is returned. Default: none.
   */
  fallbackBaseline?: number;
  /**
   * The score maxima are counted from for the `crowded` branch (images' `voxels` given): a faint,
   * crowded image has a signal below a cut and at least a density of maxima ≥ this score per million
   * voxels. Default 0.3.
   */
  crowdedScore?: number;
  /**
   * Quantiles of the images' signals tried as the `crowded` branch's signal cut, of which only those
   * up to the rule's first knot are tried. Default 0.05, 0.10, …, 0.30.
   */
  crowdedQuantiles?: readonly number[];
  /**
   * Keep the `crowded` branch only where it holds up on images it was not fitted on: the images
   * split in two by signal rank (alternately), a branch is fitted on each half and scored on the
   * other, and the summed F1 gain over both halves must be positive (a two-fold cross-validated
   * gain). Default true.
   */
  crowdedCrossCheck?: boolean;
  /**
   * Fit a `clutter` term too (a threshold that rises with each image's `clutter`), with these grids;
   * absent: none. Only images that carry a `clutter` can be raised, and never those the `crowded`
   * branch takes.
   */
  clutter?: FitClutterTermOptions;
}

/** The fitted `crowded` branch of {@link FittedThresholdRule}. */
export interface FittedCrowdedBranch {
  /** Signals below this are faint. */
  below: number;
  /** The score maxima are counted from. */
  score: number;
  /** Fewest maxima ≥ `score` per million voxels. */
  density: number;
  /** The threshold of a faint, crowded image. */
  threshold: number;
  /** Images in the branch. */
  count: number;
  /** Mean F1 over the images with a signal, with the branch (`meanF1` is without it). */
  meanF1: number;
}

/** A fitted threshold rule: knots (signals, strictly increasing), the threshold at each, and the zoom slope. */
export interface FittedThresholdRule {
  knots: number[];
  thresholds: number[];
  /** The slope of the `logZoom` term (0 when none was tried). */
  zoomSlope: number;
  /** Images per knot's bin. */
  counts: number[];
  /** Mean F1 over the images with a signal, each at its threshold under the rule. */
  meanF1: number;
  /**
   * The threshold for images without a signal: of `candidates`, the one of best F1 pooled over
   * them (their matches, misses and false positives summed: such images are sparse, and one with a
   * single spot scores 0 or 1 alone), ties to the higher. Absent when fewer than
   * `minFallbackImages` images have no signal, or when it does not beat `fallbackBaseline`.
   */
  fallback?: number;
  /** Images without a signal (those the fallback was fitted on, when it was). */
  fallbackCount: number;
  /**
   * A threshold for faint, crowded images, where one raises the mean F1 over the images with a
   * signal: of the images with a signal below a quantile of the signals (`crowdedQuantiles`, at
   * most the first knot: the branch only overrides the rule where it is flat, below its faintest
   * knot, the bins above having thresholds fitted to them) and at
   * least a density of maxima (each such image's density tried as the cut), at least
   * `minImagesPerKnot` of them, the cut and threshold (of `candidates`) of the largest gain. Absent
   * when no image has `voxels`, nothing gains, or (with `crowdedCrossCheck`) branches fitted on
   * each half of the images do not gain on the other halves.
   */
  crowded?: FittedCrowdedBranch;
  /**
   * A threshold that rises with the image's clutter (`clutter` of the options), where one raises
   * the mean F1 over the images with a signal (see `FitClutterTermOptions`). Absent when not asked
   * for, no image has a `clutter`, nothing gains, or (with its `crossCheck`) terms fitted on each
   * half of the images do not gain on the other halves.
   */
  clutter?: FittedClutterTerm;
}

const DEFAULT_CANDIDATES = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** The q-quantile (0–1) of sorted values, linearly interpolated (NumPy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

const medianOf = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

type Counts = { tp: number; fp: number; fn: number; f1: number };

/** An image ready for scoring at any threshold: its counts and F1 cached by the number of detections kept. */
function scorer(
  image: { truth: readonly Point3[]; detections: readonly ScoredPoint[] },
  gate: number,
  scale: MatchOptions['scale'],
): (threshold: number) => Counts {
  const pairs = candidatePairs(image.truth, image.detections, gate, scale ?? [1, 1, 1]);
  const sorted = image.detections.map((d) => d.score).sort((a, b) => b - a);
  const cache = new Map<number, Counts>();
  return (threshold) => {
    // Detections kept: the count of scores ≥ threshold (binary search; `sorted` descends).
    let kept = 0;
    let hi = sorted.length;
    while (kept < hi) {
      const mid = (kept + hi) >>> 1;
      if ((sorted[mid] as number) >= threshold) kept = mid + 1;
      else hi = mid;
    }
    let counts = cache.get(kept);
    if (counts === undefined) {
      const keep = (j: number) => (image.detections[j] as ScoredPoint).score >= threshold;
      const m = solveMatching(image.truth.length, image.detections.length, pairs, gate, keep);
      counts = { tp: m.tp, fp: m.fp, fn: m.fn, f1: scores(m).f1 };
      cache.set(kept, counts);
    }
    return counts;
  };
}

/**
 * Fits a detection threshold that follows each image's `signal` (a number per image, e.g.
 * `volumeSignal` of `@dmdet/postprocess`) and, with `zoomSlopes`, shifts with its `logZoom`: the
 * images with a signal are split into `knots` bins at the quantiles of their signals (an image on an
 * edge counts in both); each bin's knot is its median signal and its threshold the one of
 * `candidates` with the best mean F1 over the bin's images, each image kept at that threshold plus
 * `slope × logZoom` (ties to the higher threshold). Bins whose knots coincide are merged. Images
 * without a signal take no part. Throws when fewer than `knots × minImagesPerKnot` images have a signal.
 *
 * @example
 * const rule = fitThresholdRule(validation.map((v) => ({ truth: v.truth, detections: v.maxima, signal: v.signal })));
 */
export function fitThresholdRule(
  images: readonly {
    truth: readonly Point3[];
    detections: readonly ScoredPoint[];
    signal?: number;
    /** log2 of the image's resampling zoom (0 when absent). */
    logZoom?: number;
    /** Voxels of the map its detections come from (for the `crowded` branch; absent: not in it). */
    voxels?: number;
    /**
     * Its clutter, for a `clutter` term: e.g. its maxima scoring a little below confident per
     * confident one (`maximaClutter` of `@dmdet/postprocess`). Absent: never raised.
     */
    clutter?: number;
  }[],
  options: FitThresholdRuleOptions = {},
): FittedThresholdRule {
  const {
    knots: K = 4,
    minImagesPerKnot = 6,
    minFallbackImages = minImagesPerKnot,
    fallbackBaseline,
    candidates = DEFAULT_CANDIDATES,
    zoomSlopes = [0],
    crowdedScore = 0.3,
    crowdedQuantiles = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
    crowdedCrossCheck = true,
    gate = 5,
    scale,
  } = options;
  checkGateAndScale(gate, scale ?? [1, 1, 1]);
  if (!Number.isInteger(K) || K < 1)
    throw new MetricsError('INVALID_OPTION', `knots must be a positive integer, got ${K}`);
  if (!Number.isInteger(minImagesPerKnot) || minImagesPerKnot < 1)
    throw new MetricsError(
      'INVALID_OPTION',
      `minImagesPerKnot must be a positive integer, got ${minImagesPerKnot}`,
    );
  if (!Number.isInteger(minFallbackImages) || minFallbackImages < 1)
    throw new MetricsError(
      'INVALID_OPTION',
      `minFallbackImages must be a positive integer, got ${minFallbackImages}`,
    );
  if (!(crowdedScore > 0 && crowdedScore < 1))
    throw new MetricsError('INVALID_OPTION', `crowdedScore must be in (0, 1), got ${crowdedScore}`);
  if (crowdedQuantiles.some((q) => !(q >= 0 && q <= 1)))
    throw new MetricsError('INVALID_OPTION', 'crowdedQuantiles must be numbers in [0, 1]');
  for (const [name, list] of [
    ['candidates', candidates],
    ['zoomSlopes', zoomSlopes],
  ] as const)
    if (list.length === 0 || list.some((c) => typeof c !== 'number' || !Number.isFinite(c)))
      throw new MetricsError('INVALID_OPTION', `${name} must be a non-empty list of finite numbers`);
  images.forEach((im, i) => {
    checkPoints(im.truth, `images[${i}].truth`);
    checkPoints(im.detections, `images[${i}].detections`);
  });
  const withSignal = images.filter((im) => typeof im.signal === 'number' && Number.isFinite(im.signal));
  if (withSignal.length < K * minImagesPerKnot)
    throw new MetricsError(
      'INVALID_OPTION',
      `fitThresholdRule needs at least ${K * minImagesPerKnot} images with a signal (${K} knots × ${minImagesPerKnot}), got ${withSignal.length}`,
    );
  const items = withSignal.map((im) => ({
    signal: im.signal as number,
    logZoom: Number.isFinite(im.logZoom) ? (im.logZoom as number) : 0,
    counts: scorer(im, gate, scale),
    ...(typeof im.clutter === 'number' && Number.isFinite(im.clutter) ? { clutter: im.clutter } : {}),
    density:
      typeof im.voxels === 'number' && im.voxels > 0
        ? (im.detections.filter((d) => d.score >= crowdedScore).length / im.voxels) * 1e6
        : undefined,
  }));
  const sorted = items.map((im) => im.signal).sort((a, b) => a - b);
  const edges = Array.from({ length: K + 1 }, (_, k) => quantile(sorted, k / K));
  const bins: (typeof items)[] = [];
  for (let k = 0; k < K; k++) {
    const lo = edges[k] as number;
    const hi = edges[k + 1] as number;
    const bin = items.filter((im) => im.signal >= lo && im.signal <= hi);
    const last = bins[bins.length - 1];
    if (last && !(medianOf(bin.map((im) => im.signal)) > medianOf(last.map((im) => im.signal)))) {
      for (const im of bin) if (!last.includes(im)) last.push(im);
    } else bins.push(bin);
  }
  const ks = bins.map((b) => medianOf(b.map((im) => im.signal)));
  const thresholdsTried = [...new Set(candidates)].sort((a, b) => a - b);
  const slopes = [...new Set(zoomSlopes)].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  type Item = (typeof items)[number];
  let best: { slope: number; thresholds: number[]; score: number; at: (im: Item) => number } | undefined;
  for (const slope of slopes) {
    const thresholds = bins.map((bin) => {
      let pick = thresholdsTried[0] as number;
      let pickF1 = Number.NEGATIVE_INFINITY;
      for (const t of thresholdsTried) {
        let sum = 0;
        for (const im of bin) sum += im.counts(t + slope * im.logZoom).f1;
        if (sum >= pickF1) {
          pick = t;
          pickF1 = sum;
        }
      }
      return pick;
    });
    const at = (im: (typeof items)[number]) => {
      const s = im.signal;
      let base: number;
      if (s <= (ks[0] as number)) base = thresholds[0] as number;
      else if (s >= (ks[ks.length - 1] as number)) base = thresholds[thresholds.length - 1] as number;
      else {
        let i = 1;
        while ((ks[i] as number) < s) i++;
        const f = (s - (ks[i - 1] as number)) / ((ks[i] as number) - (ks[i - 1] as number));
        base =
          (thresholds[i - 1] as number) + f * ((thresholds[i] as number) - (thresholds[i - 1] as number));
      }
      return base + slope * im.logZoom;
    };
    const score = items.reduce((sum, im) => sum + im.counts(at(im)).f1, 0) / items.length;
    if (!best || score > best.score) best = { slope, thresholds, score, at };
  }
  const chosen = best as { slope: number; thresholds: number[]; score: number; at: (im: Item) => number };
  const crowdedOptions = {
    maxCut: ks[0] as number,
    crowdedScore,
    crowdedQuantiles,
    minImagesPerKnot,
    thresholdsTried,
  };
  const fitted = fitCrowded(items, chosen.at, chosen.score, crowdedOptions);
  const crowded =
    fitted && crowdedCrossCheck && !crossChecks(items, chosen.at, crowdedOptions) ? undefined : fitted;
  const isCrowded = (im: Item) =>
    crowded !== undefined &&
    im.signal < crowded.below &&
    im.density !== undefined &&
    im.density >= crowded.density;
  const clutter = options.clutter
    ? fitClutterTerm(
        items,
        (im) => (isCrowded(im) ? (crowded as FittedCrowdedBranch).threshold : chosen.at(im)),
        (im) => !isCrowded(im),
        crowded?.meanF1 ?? chosen.score,
        options.clutter,
      )
    : undefined;
  const withoutSignal = images.filter((im) => !(typeof im.signal === 'number' && Number.isFinite(im.signal)));
  let fallback: number | undefined;
  if (withoutSignal.length >= minFallbackImages) {
    const counted = withoutSignal.map((im) => scorer(im, gate, scale));
    // Pooled F1, 1 with nothing to find and nothing found (as `scores`).
    const pooledF1 = (t: number) => {
      const sum = { tp: 0, fp: 0, fn: 0 };
      for (const at of counted) {
        const c = at(t);
        sum.tp += c.tp;
        sum.fp += c.fp;
        sum.fn += c.fn;
      }
      const den = 2 * sum.tp + sum.fp + sum.fn;
      return den === 0 ? 1 : (2 * sum.tp) / den;
    };
    let pickF1 = Number.NEGATIVE_INFINITY;
    for (const t of thresholdsTried) {
      const f1 = pooledF1(t);
      if (f1 >= pickF1) {
        fallback = t;
        pickF1 = f1;
      }
    }
    if (fallbackBaseline !== undefined && !(pickF1 > pooledF1(fallbackBaseline))) fallback = undefined;
  }
  return {
    knots: ks,
    thresholds: chosen.thresholds,
    zoomSlope: chosen.slope,
    counts: bins.map((b) => b.length),
    meanF1: chosen.score,
    ...(fallback !== undefined ? { fallback } : {}),
    fallbackCount: withoutSignal.length,
    ...(crowded ? { crowded } : {}),
    ...(clutter ? { clutter } : {}),
  };
}

/**
 * Whether a `crowded` branch holds up on images it was not fitted on (its two-fold cross-validated
 * gain is positive): with the images split in two by signal rank (alternately), a branch is fitted
 * on each half (at least half of `minImagesPerKnot` images in it) and scored on the other half's
 * images it takes; the summed F1 gain over both must be positive.
 */
function crossChecks<I extends { signal: number; density?: number; counts: (t: number) => Counts }>(
  items: readonly I[],
  at: (im: I) => number,
  options: Parameters<typeof fitCrowded>[3],
): boolean {
  const ranked = [...items].sort((a, b) => a.signal - b.signal);
  const halves = [0, 1].map((r) => ranked.filter((_, i) => i % 2 === r));
  const half = { ...options, minImagesPerKnot: Math.ceil(options.minImagesPerKnot / 2) };
  let gain = 0;
  halves.forEach((fit, h) => {
    const branch = fitCrowded(fit, at, 0, half);
    if (!branch) return;
    for (const im of halves[1 - h] as I[])
      if (im.density !== undefined && im.signal < branch.below && im.density >= branch.density)
        gain += im.counts(branch.threshold).f1 - im.counts(at(im)).f1;
  });
  return gain > 0;
}

/**
 * The `crowded` branch of largest gain in summed F1 over the signal rule (each image at `at(im)`,
 * mean F1 `meanF1` over all `items`), among signal
 * cuts at `crowdedQuantiles` of the signals up to `maxCut`, density cuts at
 * each faint image's own density, and
 * thresholds `thresholdsTried`, with at least `minImagesPerKnot` images in it; ties go to the
 * branch that changes least (the lowest signal cut, the highest density cut, the highest
 * threshold). Undefined when none gains.
 */
function fitCrowded<I extends { signal: number; density?: number; counts: (t: number) => Counts }>(
  items: readonly I[],
  at: (im: I) => number,
  meanF1: number,
  options: {
    maxCut: number;
    crowdedScore: number;
    crowdedQuantiles: readonly number[];
    minImagesPerKnot: number;
    thresholdsTried: readonly number[];
  },
): FittedCrowdedBranch | undefined {
  const dense = items.filter((im): im is I & { density: number } => im.density !== undefined);
  const base = new Map(dense.map((im) => [im, im.counts(at(im)).f1]));
  const sortedSignals = items.map((im) => im.signal).sort((a, b) => a - b);
  const cuts = [
    ...new Set(
      options.crowdedQuantiles.map((q) => quantile(sortedSignals, q)).filter((c) => c <= options.maxCut),
    ),
  ].sort((a, b) => a - b);
  let best: Omit<FittedCrowdedBranch, 'meanF1' | 'score'> & { gain: number } = {
    below: 0,
    density: 0,
    threshold: 0,
    count: 0,
    gain: 0,
  };
  const descending = [...options.thresholdsTried].sort((a, b) => b - a);
  for (const below of cuts) {
    const faint = dense.filter((im) => im.signal < below);
    for (const density of [...new Set(faint.map((im) => im.density))].sort((a, b) => b - a)) {
      const branch = faint.filter((im) => im.density >= density);
      if (branch.length < options.minImagesPerKnot) continue;
      for (const threshold of descending) {
        let gain = 0;
        for (const im of branch) gain += im.counts(threshold).f1 - (base.get(im) as number);
        if (gain > best.gain + 1e-12) best = { below, density, threshold, count: branch.length, gain };
      }
    }
  }
  if (!(best.gain > 0)) return undefined;
  return {
    below: best.below,
    score: options.crowdedScore,
    density: best.density,
    threshold: best.threshold,
    count: best.count,
    meanF1: meanF1 + best.gain / items.length,
  };
}
