/**
 * The least share of the maxima kept at a threshold without the clutter raise that the raised
 * threshold must keep for {@link clutterRaiseHolds}: 0.1.
 */
export const CLUTTER_RAISE_MIN_KEPT = 0.1;

/**
 * Whether a `ThresholdRule`'s clutter raise holds for a volume: the term presumes the
 * confident maxima are the spots and those a little below them grains. Where the raised threshold
 * would keep fewer than `minKept` (default {@link CLUTTER_RAISE_MIN_KEPT}) of the maxima that the
 * threshold without the raise keeps, the spots themselves score below confident (data unlike those
 * the term was fitted on) and the raise would take them all; it then does not hold. True when the
 * unraised threshold keeps no maximum.
 *
 * @example
 * const raised = thresholdForSignal(rule, signal, fallback, zoom, density, clutter);
 * const unraised = thresholdForSignal(rule, signal, fallback, zoom, density);
 * const threshold = clutterRaiseHolds(maxima, raised, unraised) ? raised : unraised;
 */
export function clutterRaiseHolds(
  maxima: readonly { score: number }[],
  raised: number,
  unraised: number,
  minKept: number = CLUTTER_RAISE_MIN_KEPT,
): boolean {
  let base = 0;
  let kept = 0;
  for (const p of maxima) {
    if (p.score >= unraised) base++;
    if (p.score >= raised) kept++;
  }
  return base === 0 || kept >= minKept * base;
}
