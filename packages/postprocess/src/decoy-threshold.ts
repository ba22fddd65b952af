import { PostprocessError } from './errors';
import { clutterRaiseHolds } from './raise-guard';

/**
 * A threshold rule's decoy term (a `ThresholdRule`'s `decoy`): the threshold is raised until the
 * maxima of a decoy map above it are few against the real map's. The decoy map is the network's
 * map of the volume's input mirrored about its local background (the input negated), where spots
 * become dips and what is symmetric about the background stays: noise, a granular texture, the
 * background estimate's errors. Its maxima score as that clutter alone scores in the volume, so
 * where many of them pass the rule's threshold, grains pass it in the real map too.
 */
export interface DecoyTerm {
  /**
   * Raise while the decoy maxima at or above the threshold are more than this share of the real
   * maxima there (an estimate of the false-discovery rate), in [0, 1].
   */
  fdr: number;
  /** Fewer decoy maxima than this at or above the threshold never raise it (≥ 1). */
  minDecoys: number;
  /** The highest threshold the term raises to, in (0, 1]. */
  maxThreshold: number;
  /**
   * Run only in volumes whose clutter, as the rule's clutter term measures it (`maximaClutter`: map
   * maxima scoring in [the term's `score`, confidence) per maximum scoring at least confidence),
   * is at least this (≥ 0): the decoy's prediction is spent where grains may pass the threshold,
   * not on clean volumes. Needs the rule's clutter term. Absent: every volume (`detect` of
   * `@dmdet/pipeline` runs the term only where the rule measured the signal, as well).
   */
  fromClutter?: number;
}

/** The step, in score units, by which {@link decoyThreshold} raises a threshold. */
export const DECOY_STEP = 0.01;

/** What a {@link DecoyTerm} did to a volume's threshold ({@link decoyThreshold}). */
export interface DecoyCut {
  /** The threshold after the term: the one given, or raised. */
  threshold: number;
  /** Decoy maxima at or above the threshold given. */
  decoys: number;
  /** Real maxima at or above the threshold given. */
  maxima: number;
  /** The raise asked for and not applied, as it would keep under a tenth of the maxima (absent where none). */
  dropped?: number;
}

/** Scores (NaN left out) sorted ascending. */
function sortedScores(points: readonly { score: number }[]): Float64Array {
  const s = Float64Array.from(
    points.filter((p) => !Number.isNaN(p.score)),
    (p) => p.score,
  );
  return s.sort();
}

/** How many of the ascending `sorted` values are at least `t`. */
function countAtLeast(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/**
 * The threshold a {@link DecoyTerm} gives a volume whose rule gave `threshold`: from `threshold`
 * up in steps of {@link DECOY_STEP}, the first `t` where fewer than `minDecoys` decoy maxima score
 * at least `t`, or at most `fdr` × the real maxima scoring at least `t` do; never above
 * `maxThreshold` (a threshold already above it stays as it is). It only raises: a volume whose
 * clutter is not symmetric about its background (bright blobs, hot pixels) shows none of it in the
 * decoy and keeps the rule's threshold. A raise that would keep fewer than a tenth of the maxima
 * the threshold given keeps ({@link clutterRaiseHolds}) is not applied (`dropped`): there the
 * spots score as the decoy's maxima do (faint spots among grains), and the raise would take them
 * with the grains. NaN scores are left out.
 *
 * @example
 * const real = localMaxima3D(map, { threshold: 0.3 });
 * const decoy = localMaxima3D(decoyMap, { threshold: 0.3 });
 * const { threshold } = decoyThreshold({ fdr: 0.2, minDecoys: 3, maxThreshold: 0.95 }, real, decoy, 0.45);
 */
export function decoyThreshold(
  term: DecoyTerm,
  maxima: readonly { score: number }[],
  decoyMaxima: readonly { score: number }[],
  threshold: number,
): DecoyCut {
  checkDecoyTerm(term);
  if (Number.isNaN(threshold))
    throw new PostprocessError('INVALID_OPTION', `threshold must be a number, got ${threshold}`);
  const real = sortedScores(maxima);
  const decoy = sortedScores(decoyMaxima);
  const cut: DecoyCut = {
    threshold,
    decoys: countAtLeast(decoy, threshold),
    maxima: countAtLeast(real, threshold),
  };
  let raised = threshold;
  for (let k = 0; ; k++) {
    const t = threshold + k * DECOY_STEP;
    if (t >= term.maxThreshold) {
      raised = Math.max(threshold, term.maxThreshold);
      break;
    }
    const d = countAtLeast(decoy, t);
    if (d < term.minDecoys || d <= term.fdr * countAtLeast(real, t)) {
      raised = t;
      break;
    }
  }
  if (raised > threshold && !clutterRaiseHolds(maxima, raised, threshold))
    return { ...cut, dropped: raised - threshold };
  return { ...cut, threshold: raised };
}

/**
 * Checks a {@link DecoyTerm} (e.g. read from a model's metadata), naming `label` and the field at
 * fault: `fdr` in [0, 1], `minDecoys` ≥ 1, `maxThreshold` in (0, 1], `fromClutter` ≥ 0 where given.
 *
 * @example
 * const term = checkDecoyTerm(metadata.thresholdRule.decoy, 'model.json thresholdRule.decoy');
 */
export function checkDecoyTerm(term: unknown, label = 'decoy'): DecoyTerm {
  const t = term as Partial<DecoyTerm> | null;
  const ok =
    typeof t === 'object' &&
    t !== null &&
    typeof t.fdr === 'number' &&
    t.fdr >= 0 &&
    t.fdr <= 1 &&
    typeof t.minDecoys === 'number' &&
    t.minDecoys >= 1 &&
    Number.isFinite(t.minDecoys) &&
    typeof t.maxThreshold === 'number' &&
    t.maxThreshold > 0 &&
    t.maxThreshold <= 1 &&
    (t.fromClutter === undefined || (typeof t.fromClutter === 'number' && t.fromClutter >= 0));
  if (!ok)
    throw new PostprocessError(
      'INVALID_OPTION',
      `${label} must be { fdr: [0, 1], minDecoys: a finite number >= 1, maxThreshold: (0, 1], fromClutter?: a number >= 0 }, got ${JSON.stringify(term)}`,
    );
  return t as DecoyTerm;
}
