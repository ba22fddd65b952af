import { clutterRaiseHolds, maximaClutter, type ThresholdRule, thresholdForSignal } from '@dmdet/postprocess';

/** The threshold a rule gives a volume from its map's maxima, and what its clutter term did. */
export interface RuleThreshold {
  threshold: number;
  /** The volume's clutter (`maximaClutter`), where the rule has a clutter term. */
  clutter?: number;
  /** The clutter raise applied (0 where none). */
  clutterRaise: number;
  /** The clutter raise asked for and not applied, as it would keep under a tenth of the maxima (0 where none). */
  clutterRaiseDropped: number;
}

/**
 * The threshold `rule` gives a volume whose map has `maxima`, as `detect` applies it: the knots'
 * (or fallback's, or crowded branch's) threshold for `signal`, `logZoom` and `density`, with the
 * clutter term's raise where it holds (`clutterRaiseHolds`).
 */
export function ruleThresholdFor(
  rule: ThresholdRule,
  maxima: readonly { score: number }[],
  signal: number | undefined,
  fallback: number,
  logZoom: number,
  density: number | undefined,
): RuleThreshold {
  const unraised = thresholdForSignal(rule, signal, fallback, logZoom, density);
  if (!rule.clutter) return { threshold: unraised, clutterRaise: 0, clutterRaiseDropped: 0 };
  const clutter = maximaClutter(maxima, rule.clutter.score, rule.confidence);
  const raised = thresholdForSignal(rule, signal, fallback, logZoom, density, clutter);
  return clutterRaiseHolds(maxima, raised, unraised)
    ? { threshold: raised, clutter, clutterRaise: raised - unraised, clutterRaiseDropped: 0 }
    : { threshold: unraised, clutter, clutterRaise: 0, clutterRaiseDropped: raised - unraised };
}
