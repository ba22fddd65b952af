import {
  clutterRaiseHolds,
  maximaClutter,
  type ScoreValley,
  type ThresholdRule,
  thresholdForSignal,
  valleyThreshold,
} from '@dmdet/postprocess';

/** The threshold a rule gives a volume from its map's maxima, and what its clutter and valley terms did. */
export interface RuleThreshold {
  /** The threshold after every term. */
  threshold: number;
  /** The volume's clutter (`maximaClutter`), where the rule has a clutter term. */
  clutter?: number;
  /** The clutter raise applied (0 where none). */
  clutterRaise: number;
  /** The clutter raise asked for and not applied, as it would keep under a tenth of the maxima (0 where none). */
  clutterRaiseDropped: number;
  /** The valley in the maxima's scores, where the rule has a valley term and one was found. */
  valley?: ScoreValley;
  /** The threshold's move to the valley (negative: lowered; 0 where it stayed). */
  valleyShift: number;
}

/**
 * The threshold `rule` gives a volume whose map has `maxima`, as `detect` applies it: the knots'
 * (or fallback's, or crowded branch's) threshold for `signal`, `logZoom` and `density`, with the
 * clutter term's raise where it holds (`clutterRaiseHolds`), then moved to the valley of the
 * maxima's scores where the rule's valley term says so (`valleyThreshold`, with the same `logZoom`).
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
  const clutter = rule.clutter ? maximaClutter(maxima, rule.clutter.score, rule.confidence) : undefined;
  const raised =
    clutter === undefined ? unraised : thresholdForSignal(rule, signal, fallback, logZoom, density, clutter);
  const holds = clutterRaiseHolds(maxima, raised, unraised);
  const before = holds ? raised : unraised;
  const cut = rule.valley ? valleyThreshold(rule.valley, maxima, signal, before, logZoom) : undefined;
  return {
    threshold: cut?.threshold ?? before,
    ...(clutter !== undefined ? { clutter } : {}),
    clutterRaise: holds ? raised - unraised : 0,
    clutterRaiseDropped: holds ? 0 : raised - unraised,
    ...(cut?.valley ? { valley: cut.valley } : {}),
    valleyShift: (cut?.threshold ?? before) - before,
  };
}
