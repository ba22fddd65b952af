/**
 * `@dmdet/metrics`: particle detection scores as the Particle Tracking Challenge computes them.
 * Points are plain `{ x, y, z }`; no dependencies.
 *
 * @packageDocumentation
 */
export { type CandidatePairs, candidatePairs } from './candidates';
export type { FitClutterTermOptions, FittedClutterTerm } from './clutter-term';
export { MetricsError, type MetricsErrorCode } from './errors';
export { linearSumAssignment } from './linear-assignment';
export { type MatchedPair, type MatchOptions, type MatchResult, matchPoints } from './match';
export type { AxisScale, Point3 } from './points';
export {
  type DetectionScores,
  evaluatePoints,
  type GroupSummary,
  type MeanStd,
  scores,
  summarize,
} from './scores';
export {
  type BestThresholdOptions,
  type BestThresholdResult,
  bestThreshold,
  type ScoredPoint,
} from './threshold';
export {
  type FitThresholdRuleOptions,
  type FittedCrowdedBranch,
  type FittedThresholdRule,
  fitThresholdRule,
} from './threshold-rule';
