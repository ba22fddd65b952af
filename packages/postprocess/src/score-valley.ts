import { PostprocessError } from './errors';
import { CLUTTER_RAISE_MIN_KEPT, clutterRaiseHolds } from './raise-guard';

/**
 * A threshold rule's valley term (a `ThresholdRule`'s `valley`): where the scores of a volume's
 * map maxima fall into two populations, a top one (its spots) and lower ones (noise peaks, grains,
 * blobs' shoulders), with few maxima between them, the volume's threshold moves to the valley
 * between them ({@link scoreValley}): down to it wherever it lies below the rule's threshold (in
 * volumes whose signal is below `lowerBelow`, where the term has one), up to
 * it only in volumes whose signal is at least `raiseFrom` (their spots score confidently, so what
 * scores between is clutter, not faint spots) and where the raise keeps at least a tenth of the
 * maxima the rule's threshold keeps ({@link clutterRaiseHolds}), and, where `maxLogZoom` is given,
 * only in volumes enlarged for the model by at most 2^`maxLogZoom` (in small spots blown up to the
 * model's scale, noise peaks take a spot's shape and the signal reads high, as for the clutter term).
 */
export interface ValleyTerm {
  /** The lowest map score, in [0, 1), of the maxima counted; the density is read from it to 1. */
  from: number;
  /** The Gaussian kernel's standard deviation, in score units (> 0). */
  bandwidth: number;
  /** The top population's mode is the density's highest point at or above this score, in [from, 1]. */
  topFrom: number;
  /** A valley counts when its density is at most this share of the mode's, in (0, 1]. */
  maxDepth: number;
  /** Raise a threshold to a valley above it only where the volume's signal is at least this. */
  raiseFrom: number;
  /**
   * Lower a threshold to a valley below it only where the volume's signal is below this, or
   * unknown (in bright volumes spots score confidently, and what scores between them and the noise
   * is not faint spots but their lobes and splits); absent: at any signal.
   */
  lowerBelow?: number;
  /**
   * Raise only in volumes whose resampling to the model's scale has a log2 voxel-count zoom of at
   * most this (`logZoom`; 0 where not resampled); absent: at any zoom.
   */
  maxLogZoom?: number;
}

/** A valley in a volume's map-maxima scores ({@link scoreValley}). */
export interface ScoreValley {
  /** The score at the density's least value between `from` and the top mode. */
  score: number;
  /** The density there over the density at the top mode, in [0, 1). */
  depth: number;
}

/** The step of the score grid {@link scoreValley} reads the density on. */
export const SCORE_VALLEY_STEP = 0.01;

/**
 * The valley below the top mode of maxima scores: the Gaussian kernel density of the `scores` at
 * least `from` (kernel σ `bandwidth`) is read on the grid `from`, `from` + 0.01, …, 1; the top mode
 * is its highest point at or above `topFrom` (the first of equal ones), the valley its least point
 * from `from` to the mode (the first of equal ones). `undefined` with fewer than 3 scores, or where
 * the least point is the grid's first (no population below) or the mode itself (none above).
 * NaN scores are left out.
 *
 * @example
 * const valley = scoreValley(localMaxima3D(map, { threshold: 0.2 }).map((m) => m.score), {
 *   from: 0.2, bandwidth: 0.03, topFrom: 0.6,
 * });
 * // three maxima at 0.3 and three at 0.9: { score: 0.6, depth: 2e^-50 ≈ 3.9e-22 }
 */
export function scoreValley(
  scores: ArrayLike<number>,
  options: Pick<ValleyTerm, 'from' | 'bandwidth' | 'topFrom'>,
): ScoreValley | undefined {
  const { from, bandwidth, topFrom } = options;
  if (!(from >= 0 && from < 1))
    throw new PostprocessError('INVALID_OPTION', `from must be in [0, 1), got ${from}`);
  if (!(bandwidth > 0 && Number.isFinite(bandwidth)))
    throw new PostprocessError('INVALID_OPTION', `bandwidth must be a finite number > 0, got ${bandwidth}`);
  if (!(topFrom >= from && topFrom <= 1))
    throw new PostprocessError('INVALID_OPTION', `topFrom must be in [from, 1], got ${topFrom}`);
  const s: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i] as number;
    if (v >= from) s.push(v);
  }
  if (s.length < 3) return undefined;
  const n = Math.round((1 - from) / SCORE_VALLEY_STEP) + 1;
  const density = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = from + SCORE_VALLEY_STEP * k;
    let sum = 0;
    for (const v of s) {
      const u = (x - v) / bandwidth;
      sum += Math.exp(-0.5 * u * u);
    }
    density[k] = sum;
  }
  let top = -1;
  for (let k = 0; k < n; k++)
    if (
      from + SCORE_VALLEY_STEP * k >= topFrom - 1e-9 &&
      (top < 0 || (density[k] as number) > (density[top] as number))
    )
      top = k;
  if (top < 0 || !((density[top] as number) > 0)) return undefined;
  let low = 0;
  for (let k = 1; k <= top; k++) if ((density[k] as number) < (density[low] as number)) low = k;
  if (low === 0 || low === top) return undefined;
  return {
    score: from + SCORE_VALLEY_STEP * low,
    depth: (density[low] as number) / (density[top] as number),
  };
}

/** What a {@link ValleyTerm} did to a volume's threshold ({@link valleyThreshold}). */
export interface ValleyCut {
  /** The threshold after the term. */
  threshold: number;
  /** The valley found (absent where none). */
  valley?: ScoreValley;
  /**
   * Why the threshold stayed where a valley was found: `'shallow'` (its density above `maxDepth` of
   * the mode's),
   * `'faint'` (a raise in a volume whose signal is below `raiseFrom` or unknown), `'takes-most'` (a
   * raise that would keep under a tenth of the maxima), `'enlarged'` (a raise in a volume whose
   * `logZoom` is above `maxLogZoom`), `'bright'` (a lowering in a volume whose signal is at least
   * `lowerBelow`). Absent where it moved, or where there is no valley.
   */
  kept?: 'shallow' | 'faint' | 'takes-most' | 'enlarged' | 'bright';
}

/**
 * The threshold a {@link ValleyTerm} gives a volume whose rule gave `threshold`, from its map's
 * `maxima` (every one scoring `term.from` or more among them), its `signal` and its resampling's
 * `logZoom` (log2 of the voxel-count zoom to the model's scale; 0 where not resampled): the valley's
 * score ({@link scoreValley}) where the valley is at most `maxDepth` deep and lies below
 * `threshold` in a volume whose signal is below `lowerBelow` (where given) or unknown, or lies
 * above it in a volume with a signal of at least `raiseFrom`, a `logZoom` of at most `maxLogZoom`
 * (where given), and the raise keeps at least {@link CLUTTER_RAISE_MIN_KEPT} of the maxima
 * `threshold` keeps; `threshold` otherwise.
 *
 * @example
 * const cut = valleyThreshold(rule.valley, maxima, signal, thresholdForSignal(rule, signal, 0.5), 0);
 * const kept = maxima.filter((m) => m.score >= cut.threshold);
 */
export function valleyThreshold(
  term: ValleyTerm,
  maxima: readonly { score: number }[],
  signal: number | undefined,
  threshold: number,
  logZoom = 0,
): ValleyCut {
  const valley = scoreValley(
    maxima.map((m) => m.score),
    term,
  );
  if (!valley) return { threshold };
  if (valley.depth > term.maxDepth) return { threshold, valley, kept: 'shallow' };
  if (valley.score > threshold) {
    if (signal === undefined || !(signal >= term.raiseFrom)) return { threshold, valley, kept: 'faint' };
    if (!clutterRaiseHolds(maxima, valley.score, threshold, CLUTTER_RAISE_MIN_KEPT))
      return { threshold, valley, kept: 'takes-most' };
    if (term.maxLogZoom !== undefined && !(logZoom <= term.maxLogZoom))
      return { threshold, valley, kept: 'enlarged' };
  } else if (
    valley.score < threshold &&
    term.lowerBelow !== undefined &&
    signal !== undefined &&
    !(signal < term.lowerBelow)
  )
    return { threshold, valley, kept: 'bright' };
  return { threshold: valley.score, valley };
}

/**
 * Checks a {@link ValleyTerm} (e.g. read from a model's metadata), naming `label` and the field at
 * fault: `from` in [0, 1), `bandwidth` finite and > 0, `topFrom` in [from, 1], `maxDepth` in (0, 1],
 * `raiseFrom` a number (not NaN; Infinity never raises), `maxLogZoom` and `lowerBelow` numbers
 * (not NaN) where given.
 *
 * @example
 * const term = checkValleyTerm(metadata.thresholdRule.valley, 'model.json thresholdRule.valley');
 */
export function checkValleyTerm(term: unknown, label = 'valley'): ValleyTerm {
  const t = term as Partial<ValleyTerm> | null;
  const ok =
    typeof t === 'object' &&
    t !== null &&
    typeof t.from === 'number' &&
    t.from >= 0 &&
    t.from < 1 &&
    typeof t.bandwidth === 'number' &&
    t.bandwidth > 0 &&
    Number.isFinite(t.bandwidth) &&
    typeof t.topFrom === 'number' &&
    t.topFrom >= t.from &&
    t.topFrom <= 1 &&
    typeof t.maxDepth === 'number' &&
    t.maxDepth > 0 &&
    t.maxDepth <= 1 &&
    typeof t.raiseFrom === 'number' &&
    !Number.isNaN(t.raiseFrom) &&
    (t.maxLogZoom === undefined || (typeof t.maxLogZoom === 'number' && !Number.isNaN(t.maxLogZoom))) &&
    (t.lowerBelow === undefined || (typeof t.lowerBelow === 'number' && !Number.isNaN(t.lowerBelow)));
  if (!ok)
    throw new PostprocessError(
      'INVALID_OPTION',
      `${label} must be { from: [0, 1), bandwidth: a finite number > 0, topFrom: [from, 1], maxDepth: (0, 1], raiseFrom: a number, maxLogZoom?: a number, lowerBelow?: a number }, got ${JSON.stringify(term)}`,
    );
  return t as ValleyTerm;
}
