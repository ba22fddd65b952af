import type { Volume } from '@dmdet/volume-io';
import { checkDecoyTerm, type DecoyTerm } from './decoy-threshold';
import { PostprocessError } from './errors';
import { checkVolume } from './input';
import { median } from './robust';
import { checkValleyTerm, type ValleyTerm } from './score-valley';

/**
 * A detection threshold that follows a volume's signal: the volume's signal is the median, over the
 * map's confident maxima (score ≥ `confidence`, at least `minSpots` of them), of the normalised
 * input's 3×3×3 mean there ({@link volumeSignal}); the threshold is interpolated linearly between
 * `knots` (signals, increasing) and their `thresholds`, clamped outside them
 * ({@link thresholdForSignal}). A volume without enough confident maxima (sparse or faint) takes
 * the rule's `fallback`, or, without one, the model's fixed threshold.
 *
 * Why: once a volume is resampled to a model's spot scale, an isolated noise peak can have a
 * spot's shape, and only its brightness against the volume's own spots tells them apart; a
 * threshold fitted across volumes is too low where spots are bright and too high where they are faint.
 */
export interface ThresholdRule {
  kind: 'signal';
  /** Maxima of the map at least this are the volume's confident spots. */
  confidence: number;
  /** Fewest confident maxima for the rule to apply. */
  minSpots: number;
  /** Signals (the normalised input's units), strictly increasing. */
  knots: number[];
  /** The threshold at each knot, in (0, 1). */
  thresholds: number[];
  /**
   * Added to the threshold per doubling of the volume's resampling zoom (`logZoom`: log2 of the
   * ratio of voxel counts after and before resampling to the model's spot scale). Positive: a volume
   * enlarged for small spots, whose noise peaks take a spot's shape, gets a higher threshold; one
   * shrunk for large spots a lower. Default 0.
   */
  zoomSlope?: number;
  /**
   * The threshold, in (0, 1), for a volume with fewer than `minSpots` confident maxima (a sparse or
   * faint volume, whose signal cannot be measured). Default: the model's fixed threshold.
   */
  fallback?: number;
  /**
   * A threshold for faint, crowded volumes (e.g. low-SNR smFISH with hundreds of spots): where the
   * signal is below `below` and the map has at least `density` maxima scoring ≥ `score` per million
   * voxels (at the model's spot scale: {@link maximaDensity}), the threshold is `threshold` instead of
   * the knots'. Such volumes want a far lower threshold than faint sparse ones, whose few real spots
   * drown among noise peaks at low scores; the signal alone cannot tell them apart. Absent: none.
   */
  crowded?: CrowdedBranch;
  /**
   * A higher threshold for cluttered volumes (e.g. cells with a granular autofluorescence, whose
   * grains have a spot's size): where the map has many maxima a little below confident per
   * confident one ({@link maximaClutter}), the knots' threshold (with the zoom term) rises by
   * `slope × log2(clutter / ratio)`, never above 0.95. Absent: none.
   */
  clutter?: ClutterTerm;
  /**
   * A threshold moved to the valley between the volume's top population of maxima scores and the
   * rest, where there is a deep one (`valleyThreshold`), after the knots, zoom and clutter terms:
   * down to it in all but very bright volumes (`lowerBelow`), up to it in bright ones. Absent: none.
   */
  valley?: ValleyTerm;
  /**
   * A threshold raised, after every other term, until the maxima of the volume's decoy map (its
   * input mirrored about the local background) above it are few against the real map's
   * (`decoyThreshold`): clutter symmetric about the background, such as a granular texture, shows
   * in the decoy as it does in the volume. Costs a second prediction. Absent: none.
   */
  decoy?: DecoyTerm;
}

/** {@link ThresholdRule.clutter}: a threshold that rises with the volume's clutter. */
export interface ClutterTerm {
  /** The lowest score, in (0, confidence), of the maxima counted as clutter. */
  score: number;
  /** Clutter (maxima in [`score`, confidence) per confident maximum) above which the threshold rises. */
  ratio: number;
  /** Threshold added per doubling of the clutter above `ratio`. */
  slope: number;
  /** Only volumes whose threshold (knots and zoom term) is at least this are raised: faint volumes want their low threshold. */
  from: number;
  /**
   * Only volumes enlarged at most this much are raised (`logZoom`, log2 of the resampling's voxel
   * ratio): a volume enlarged for small spots has noise peaks shaped like spots, clutter that the
   * zoom term already answers. Absent: any zoom.
   */
  maxLogZoom?: number;
}

/** {@link ThresholdRule.crowded}: the threshold for faint, crowded volumes. */
export interface CrowdedBranch {
  /** Signals below this are faint. */
  below: number;
  /** The score, in (0, 1), maxima are counted from. */
  score: number;
  /** Fewest maxima scoring ≥ `score` per million voxels for a volume to be crowded. */
  density: number;
  /** The threshold, in (0, 1), of a faint, crowded volume. */
  threshold: number;
}

/**
 * Checks a {@link ThresholdRule} (e.g. read from a model's metadata), naming `label` and the field
 * at fault: `kind: 'signal'`, `confidence` in (0, 1), `minSpots` a positive integer, `knots`
 * finite and strictly increasing, as many `thresholds` in (0, 1), `zoomSlope` finite, `fallback`
 * in (0, 1) and `crowded` ({@link CrowdedBranch}: `below` finite, `score` and `threshold` in (0, 1),
 * `density` finite and ≥ 0) and `clutter` ({@link ClutterTerm}: `score` in (0, confidence),
 * `ratio` finite and > 0, `slope` finite and ≥ 0, `from` finite, `maxLogZoom` a number), `valley`
 * (`checkValleyTerm`) and `decoy` (`checkDecoyTerm`; its `fromClutter` only with `clutter`) where given.
 *
 * @example
 * const rule = checkThresholdRule(metadata.thresholdRule, 'model.json thresholdRule');
 */
export function checkThresholdRule(rule: unknown, label = 'thresholdRule'): ThresholdRule {
  const r = rule as Partial<ThresholdRule> | undefined;
  const fail = (what: string): never => {
    throw new PostprocessError('INVALID_OPTION', `${label}: ${what}, got ${JSON.stringify(rule)}`);
  };
  if (typeof r !== 'object' || r === null || r.kind !== 'signal') fail("kind must be 'signal'");
  const { confidence, minSpots, knots, thresholds } = r as ThresholdRule;
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1))
    fail('confidence must be a number in (0, 1)');
  if (!Number.isInteger(minSpots) || minSpots < 1) fail('minSpots must be a positive integer');
  if (
    !Array.isArray(knots) ||
    knots.length === 0 ||
    knots.some((k) => typeof k !== 'number' || !Number.isFinite(k))
  )
    fail('knots must be a non-empty list of finite numbers');
  for (let i = 1; i < knots.length; i++)
    if (!((knots[i] as number) > (knots[i - 1] as number))) fail('knots must be strictly increasing');
  if (
    !Array.isArray(thresholds) ||
    thresholds.length !== knots.length ||
    thresholds.some((t) => typeof t !== 'number' || !(t > 0 && t < 1))
  )
    fail('thresholds must be one number in (0, 1) per knot');
  const slope = (r as ThresholdRule).zoomSlope;
  if (slope !== undefined && (typeof slope !== 'number' || !Number.isFinite(slope)))
    fail('zoomSlope must be a finite number when given');
  const fallback = (r as ThresholdRule).fallback;
  if (fallback !== undefined && (typeof fallback !== 'number' || !(fallback > 0 && fallback < 1)))
    fail('fallback must be a number in (0, 1) when given');
  const crowded = (r as ThresholdRule).crowded;
  if (crowded !== undefined) {
    const c = crowded as Partial<CrowdedBranch> | null;
    const unit = (v: unknown) => typeof v === 'number' && v > 0 && v < 1;
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof c.below !== 'number' ||
      !Number.isFinite(c.below) ||
      !unit(c.score) ||
      typeof c.density !== 'number' ||
      !(c.density >= 0 && Number.isFinite(c.density)) ||
      !unit(c.threshold)
    )
      fail(
        'crowded must be { below: a finite signal, score: (0, 1), density: a finite number ≥ 0, threshold: (0, 1) } when given',
      );
  }
  const clutter = (r as ThresholdRule).clutter;
  if (clutter !== undefined) {
    const c = clutter as Partial<ClutterTerm> | null;
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof c.score !== 'number' ||
      !(c.score > 0 && c.score < confidence) ||
      typeof c.ratio !== 'number' ||
      !(c.ratio > 0 && Number.isFinite(c.ratio)) ||
      typeof c.slope !== 'number' ||
      !(c.slope >= 0 && Number.isFinite(c.slope)) ||
      typeof c.from !== 'number' ||
      !Number.isFinite(c.from) ||
      (c.maxLogZoom !== undefined && (typeof c.maxLogZoom !== 'number' || Number.isNaN(c.maxLogZoom)))
    )
      fail(
        'clutter must be { score: (0, confidence), ratio: a finite number > 0, slope: a finite number ≥ 0, from: a finite threshold, maxLogZoom?: a number } when given',
      );
  }
  const valley = (r as ThresholdRule).valley;
  if (valley !== undefined) checkValleyTerm(valley, `${label}: valley`);
  const decoy = (r as ThresholdRule).decoy;
  if (decoy !== undefined) {
    checkDecoyTerm(decoy, `${label}: decoy`);
    if (decoy.fromClutter !== undefined && r?.clutter === undefined)
      fail("decoy.fromClutter needs the rule's clutter term (clutter), which measures it");
  }
  return r as ThresholdRule;
}

/**
 * Maxima scoring at least `score` per million voxels of a map of `voxels` voxels: how crowded a
 * volume is, as a {@link ThresholdRule}'s `crowded` branch measures it (0 for an empty map).
 *
 * @example
 * const density = maximaDensity(localMaxima3D(map, { threshold: 0.2 }), 0.3, map.data.length);
 */
export function maximaDensity(maxima: readonly { score: number }[], score: number, voxels: number): number {
  if (!(voxels > 0)) return 0;
  let n = 0;
  for (const p of maxima) if (p.score >= score) n++;
  return (n / voxels) * 1e6;
}

/**
 * A volume's clutter, as a {@link ThresholdRule}'s `clutter` term measures it: the map's maxima
 * scoring in [`score`, `confidence`) per maximum scoring ≥ `confidence` (the count itself when none
 * is confident; 0 for no maxima). Grains and noise peaks that look half like spots raise it; a
 * clean volume's spots score confidently and keep it low.
 *
 * @example
 * const clutter = maximaClutter(localMaxima3D(map, { threshold: 0.5 }), 0.5, 0.8);
 */
export function maximaClutter(
  maxima: readonly { score: number }[],
  score: number,
  confidence: number,
): number {
  let below = 0;
  let confident = 0;
  for (const p of maxima) {
    if (p.score >= confidence) confident++;
    else if (p.score >= score) below++;
  }
  return below / Math.max(1, confident);
}

/**
 * A volume's signal for a {@link ThresholdRule}: the median, over the maxima with score ≥
 * `confidence`, of the mean of `input` in the 3×3×3 box around each (rounded to its voxel, the box
 * clipped at the borders); `undefined` when fewer than `minSpots` maxima are that confident.
 * `input` is the volume as the model saw it (normalised, at its spot scale), in the maxima's grid.
 *
 * @example
 * const maxima = localMaxima3D(map, { threshold: 0.3 });
 * const signal = volumeSignal(input, maxima, { confidence: 0.8, minSpots: 5 });
 */
export function volumeSignal(
  input: Volume,
  maxima: readonly { x: number; y: number; z: number; score: number }[],
  options: { confidence: number; minSpots: number },
): number | undefined {
  const [Z, Y, X] = checkVolume(input);
  const d = input.data;
  const values: number[] = [];
  for (const p of maxima) {
    if (!(p.score >= options.confidence)) continue;
    const z = Math.min(Z - 1, Math.max(0, Math.round(p.z)));
    const y = Math.min(Y - 1, Math.max(0, Math.round(p.y)));
    const x = Math.min(X - 1, Math.max(0, Math.round(p.x)));
    let sum = 0;
    let n = 0;
    for (let zz = Math.max(0, z - 1); zz <= Math.min(Z - 1, z + 1); zz++)
      for (let yy = Math.max(0, y - 1); yy <= Math.min(Y - 1, y + 1); yy++)
        for (let xx = Math.max(0, x - 1); xx <= Math.min(X - 1, x + 1); xx++) {
          const v = d[(zz * Y + yy) * X + xx] as number;
          if (Number.isFinite(v)) {
            sum += v;
            n++;
          }
        }
    if (n > 0) values.push(sum / n);
  }
  if (values.length < options.minSpots) return undefined;
  return median(values);
}

/**
 * Whether a {@link ThresholdRule}'s `crowded` branch takes a volume of this signal and `density`
 * ({@link maximaDensity} at the branch's score): a signal below `crowded.below` and a density of at
 * least `crowded.density`. False without a branch, a signal or a density.
 *
 * @example
 * const crowded = isCrowded(rule, signal, maximaDensity(maxima, rule.crowded.score, voxels));
 */
export function isCrowded(
  rule: Pick<ThresholdRule, 'crowded'>,
  signal: number | undefined,
  density: number | undefined,
): boolean {
  const c = rule.crowded;
  return (
    c !== undefined &&
    signal !== undefined &&
    density !== undefined &&
    signal < c.below &&
    density >= c.density
  );
}

/**
 * The threshold a {@link ThresholdRule} gives a volume of this signal: linear between knots,
 * clamped outside, plus `zoomSlope × logZoom` (kept within [0.01, 0.999]); when the signal is
 * `undefined`, the rule's own `fallback`, else `fallback` (the model's fixed threshold). With a
 * `crowded` branch and the volume's `density` ({@link maximaDensity} at the branch's score), a
 * volume with a signal below `crowded.below` and at least `crowded.density` takes
 * `crowded.threshold`. With a `clutter` term and the volume's `clutter` ({@link maximaClutter} at
 * the term's score), a threshold of at least `clutter.from` rises by `slope × log2(clutter /
 * ratio)` where the clutter is above `ratio` and `logZoom` at most `clutter.maxLogZoom`, to at
 * most 0.95 (a threshold already above 0.95 stays).
 *
 * @example
 * const threshold = thresholdForSignal(rule, volumeSignal(input, maxima, rule), metadata.threshold ?? 0.5);
 */
export function thresholdForSignal(
  rule: Pick<ThresholdRule, 'knots' | 'thresholds' | 'zoomSlope' | 'fallback' | 'crowded' | 'clutter'>,
  signal: number | undefined,
  fallback: number,
  logZoom = 0,
  density?: number,
  clutter?: number,
): number {
  if (signal === undefined || !Number.isFinite(signal)) return rule.fallback ?? fallback;
  if (rule.crowded && isCrowded(rule, signal, density)) return rule.crowded.threshold;
  const { knots, thresholds } = rule;
  const n = knots.length;
  let base: number;
  if (signal <= (knots[0] as number)) base = thresholds[0] as number;
  else if (signal >= (knots[n - 1] as number)) base = thresholds[n - 1] as number;
  else {
    let i = 1;
    while ((knots[i] as number) < signal) i++;
    const k0 = knots[i - 1] as number;
    const k1 = knots[i] as number;
    const t0 = thresholds[i - 1] as number;
    const t1 = thresholds[i] as number;
    base = t0 + ((t1 - t0) * (signal - k0)) / (k1 - k0);
  }
  const slope = rule.zoomSlope ?? 0;
  const zoomed =
    slope === 0 || !Number.isFinite(logZoom) ? base : Math.min(0.999, Math.max(0.01, base + slope * logZoom));
  return withClutter(rule.clutter, zoomed, clutter, logZoom);
}

/** `threshold` raised by a {@link ClutterTerm} for a volume of this clutter and zoom (unchanged without either). */
function withClutter(
  term: ClutterTerm | undefined,
  threshold: number,
  clutter: number | undefined,
  logZoom: number,
): number {
  if (!term || clutter === undefined || !(clutter > term.ratio) || threshold < term.from) return threshold;
  if (term.maxLogZoom !== undefined && !(logZoom <= term.maxLogZoom)) return threshold;
  return Math.max(threshold, Math.min(0.95, threshold + term.slope * Math.log2(clutter / term.ratio)));
}
