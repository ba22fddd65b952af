import { MetricsError } from './errors';

/**
 * Options of the `clutter` term {@link fitThresholdRule} fits (`FitThresholdRuleOptions.clutter`):
 * each image's threshold under the rule, where it is at least `from`, the image's `clutter` above
 * `ratio` and its `logZoom` at most `maxLogZoom`, rises by `slope × log2(clutter / ratio)`, to at
 * most 0.95 (as `thresholdForSignal` of `@dmdet/postprocess` applies a rule's `clutter` term).
 */
export interface FitClutterTermOptions {
  /** Ratios tried. Default 0.25, 0.35, 0.5, 0.7, 1, 1.4, 2. */
  ratios?: readonly number[];
  /** Slopes tried (each > 0). Default 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25. */
  slopes?: readonly number[];
  /** Lowest own thresholds (`from`) tried. Default 0, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7. */
  froms?: readonly number[];
  /** Zoom gates (`maxLogZoom`) tried; `Infinity` for none. Default 0.5, 1, 2, Infinity. */
  maxLogZooms?: readonly number[];
  /**
   * Keep the term only where it holds up on images it was not fitted on: the images split in two
   * by signal rank (alternately), a term fitted on each half and scored on the other; the summed
   * F1 gain over both halves must be positive. Default true.
   */
  crossCheck?: boolean;
}

/** The fitted `clutter` term of a {@link FittedThresholdRule}. */
export interface FittedClutterTerm {
  /** Clutter above which the threshold rises. */
  ratio: number;
  /** Threshold added per doubling of the clutter above `ratio`. */
  slope: number;
  /** Only images whose threshold under the rule is at least this are raised. */
  from: number;
  /** Only images of `logZoom` at most this are raised; absent: any zoom. */
  maxLogZoom?: number;
  /** Images it raised. */
  count: number;
  /** Mean F1 over the images with a signal, with the term (and the `crowded` branch, where there is one). */
  meanF1: number;
}

/** An image as the clutter fit sees it: its clutter, zoom, signal rank and F1 at any threshold. */
export interface ClutterItem {
  signal: number;
  logZoom: number;
  clutter?: number;
  counts: (threshold: number) => { f1: number };
}

interface Term {
  ratio: number;
  slope: number;
  from: number;
  maxLogZoom: number;
}

const DEFAULTS = {
  ratios: [0.25, 0.35, 0.5, 0.7, 1, 1.4, 2],
  slopes: [0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25],
  froms: [0, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
  maxLogZooms: [0.5, 1, 2, Number.POSITIVE_INFINITY],
};

/** `threshold` raised by a clutter term, as `thresholdForSignal` of `@dmdet/postprocess` raises it. */
export function raisedForClutter(
  term: Term,
  threshold: number,
  clutter: number | undefined,
  logZoom: number,
): number {
  if (clutter === undefined || !(clutter > term.ratio) || threshold < term.from) return threshold;
  if (!(logZoom <= term.maxLogZoom)) return threshold;
  return Math.max(threshold, Math.min(0.95, threshold + term.slope * Math.log2(clutter / term.ratio)));
}

/** Checks the grids of {@link FitClutterTermOptions}; returns them with the defaults filled in. */
export function clutterGrids(options: FitClutterTermOptions): typeof DEFAULTS {
  const grids = {
    ratios: options.ratios ?? DEFAULTS.ratios,
    slopes: options.slopes ?? DEFAULTS.slopes,
    froms: options.froms ?? DEFAULTS.froms,
    maxLogZooms: options.maxLogZooms ?? DEFAULTS.maxLogZooms,
  };
  const checks: [keyof typeof grids, (v: number) => boolean, string][] = [
    ['ratios', (v) => Number.isFinite(v) && v > 0, 'finite numbers > 0'],
    ['slopes', (v) => Number.isFinite(v) && v > 0, 'finite numbers > 0'],
    ['froms', Number.isFinite, 'finite numbers'],
    ['maxLogZooms', (v) => !Number.isNaN(v), 'numbers (Infinity for no gate)'],
  ];
  for (const [name, ok, what] of checks) {
    const list = grids[name];
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'number' || !ok(v)))
      throw new MetricsError('INVALID_OPTION', `clutter.${name} must be a non-empty list of ${what}`);
  }
  return {
    ratios: [...grids.ratios],
    slopes: [...grids.slopes],
    froms: [...grids.froms],
    maxLogZooms: [...grids.maxLogZooms],
  };
}

/**
 * The clutter term of best mean F1 gain over `at` (each item's threshold without the term; items
 * not `eligible`, e.g. those the `crowded` branch takes, are never raised), chosen by the
 * one-standard-error rule: of the terms whose mean F1 lies within one standard error (of the
 * per-image difference, paired) of the best's, the one of the highest `from` (raising the fewest
 * images), then the highest gain, the smallest slope, the highest ratio, the lowest zoom gate. Undefined when none
 * gains, or (with `crossCheck`) when terms fitted on each half of the items by signal rank lose on
 * the other halves.
 */
export function fitClutterTerm<I extends ClutterItem>(
  items: readonly I[],
  at: (im: I) => number,
  eligible: (im: I) => boolean,
  baseMeanF1: number,
  options: FitClutterTermOptions = {},
): FittedClutterTerm | undefined {
  const grids = clutterGrids(options);
  const pick = choose(items, at, eligible, grids);
  if (!pick) return undefined;
  if (options.crossCheck ?? true) {
    const ranked = [...items].sort((a, b) => a.signal - b.signal);
    const halves = [0, 1].map((r) => ranked.filter((_, i) => i % 2 === r));
    let gain = 0;
    halves.forEach((fit, h) => {
      const term = choose(fit, at, eligible, grids);
      if (!term) return;
      for (const im of halves[1 - h] as I[]) gain += f1With(term, im, at, eligible) - im.counts(at(im)).f1;
    });
    if (!(gain > 0)) return undefined;
  }
  let count = 0;
  let gain = 0;
  for (const im of items) {
    const t = threshold(pick, im, at, eligible);
    if (t > at(im)) count++;
    gain += im.counts(t).f1 - im.counts(at(im)).f1;
  }
  return {
    ratio: pick.ratio,
    slope: pick.slope,
    from: pick.from,
    ...(Number.isFinite(pick.maxLogZoom) ? { maxLogZoom: pick.maxLogZoom } : {}),
    count,
    meanF1: baseMeanF1 + gain / items.length,
  };
}

function threshold<I extends ClutterItem>(
  term: Term,
  im: I,
  at: (im: I) => number,
  eligible: (im: I) => boolean,
) {
  return eligible(im) ? raisedForClutter(term, at(im), im.clutter, im.logZoom) : at(im);
}

function f1With<I extends ClutterItem>(
  term: Term,
  im: I,
  at: (im: I) => number,
  eligible: (im: I) => boolean,
) {
  return im.counts(threshold(term, im, at, eligible)).f1;
}

/** The one-standard-error choice of {@link fitClutterTerm} on `items`, without the cross-check. */
function choose<I extends ClutterItem>(
  items: readonly I[],
  at: (im: I) => number,
  eligible: (im: I) => boolean,
  grids: typeof DEFAULTS,
): Term | undefined {
  const n = items.length;
  if (n === 0 || !items.some((im) => im.clutter !== undefined)) return undefined;
  const base = items.map((im) => im.counts(at(im)).f1);
  const terms: { term: Term; f1: Float64Array; gain: number }[] = [];
  for (const slope of grids.slopes)
    for (const ratio of grids.ratios)
      for (const from of grids.froms)
        for (const maxLogZoom of grids.maxLogZooms) {
          const term = { ratio, slope, from, maxLogZoom };
          const f1 = Float64Array.from(items, (im) => f1With(term, im, at, eligible));
          let gain = 0;
          for (let i = 0; i < n; i++) gain += (f1[i] as number) - (base[i] as number);
          if (gain > 1e-12) terms.push({ term, f1, gain: gain / n });
        }
  if (terms.length === 0) return undefined;
  const best = terms.reduce((a, b) => (b.gain > a.gain + 1e-12 ? b : a));
  const withinOneSe = terms.filter(({ f1 }) => {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const d = (best.f1[i] as number) - (f1[i] as number);
      sum += d;
      sq += d * d;
    }
    const mean = sum / n;
    const se = n > 1 ? Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)) / n) : 0;
    return mean <= se + 1e-12;
  });
  withinOneSe.sort(
    (a, b) =>
      b.term.from - a.term.from ||
      b.gain - a.gain ||
      a.term.slope - b.term.slope ||
      b.term.ratio - a.term.ratio ||
      a.term.maxLogZoom - b.term.maxLogZoom,
  );
  return (withinOneSe[0] as (typeof terms)[number]).term;
}
