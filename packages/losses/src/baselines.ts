import {
  add,
  clipByValue,
  greaterEqual,
  log,
  mul,
  neg,
  pow,
  square,
  sub,
  type Tensor,
  tidy,
  where,
} from '@tensorflow/tfjs-core';
import { checkNumber, checkSameShape } from './errors';

/** Per-voxel squared error (y − ŷ)²: the MSE baseline the paper reports to fail. */
export function squaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  checkSameShape(yTrue.shape, yPred.shape, 'squaredError(yTrue, yPred)');
  return tidy(() => square(sub(yTrue, yPred)));
}

/** Options of {@link weightedBinaryCrossEntropy}. */
export interface WeightedBceOptions {
  /** Weight of the positive (y = 1) term, against the imbalance of few particle voxels. Default 1. */
  positiveWeight?: number;
  /** Predictions are clipped to [ε, 1 − ε] so the log stays finite. Default 1e-7. */
  epsilon?: number;
}

/**
 * Per-voxel weighted binary cross-entropy −(w·y·ln ŷ + (1 − y)·ln(1 − ŷ)), the DetNet3D baseline's
 * loss on a binary target. Finite for saturated predictions (clipped to [ε, 1 − ε]).
 */
export function weightedBinaryCrossEntropy(
  yTrue: Tensor,
  yPred: Tensor,
  options: WeightedBceOptions = {},
): Tensor {
  const { positiveWeight = 1, epsilon = 1e-7 } = options;
  checkNumber('positiveWeight', positiveWeight, (v) => v > 0, 'a positive number');
  checkNumber('epsilon', epsilon, (v) => v > 0 && v < 0.5, 'in (0, 0.5)');
  checkSameShape(yTrue.shape, yPred.shape, 'weightedBinaryCrossEntropy(yTrue, yPred)');
  return tidy(() => {
    const p = clipByValue(yPred, epsilon, 1 - epsilon);
    return neg(add(mul(mul(yTrue, positiveWeight), log(p)), mul(sub(1, yTrue), log(sub(1, p)))));
  });
}

/** Options of {@link focalLoss}. */
export interface FocalLossOptions {
  /** Focusing exponent on the prediction error. Default 2. */
  alpha?: number;
  /** Exponent reducing the penalty near positives (on 1 − y). Default 4. */
  beta?: number;
  /** Voxels with y ≥ this are positives. Default 1 − 1e-4 (use peak-normalised or binary targets). */
  positiveThreshold?: number;
  /** Predictions are clipped to [ε, 1 − ε]. Default 1e-7. */
  epsilon?: number;
}

/**
 * Per-voxel penalty-reduced focal loss of heatmap detectors (CornerNet / CenterNet):
 * −(1 − ŷ)^α·ln ŷ at positives, −(1 − y)^β·ŷ^α·ln(1 − ŷ) elsewhere. CenterNet divides the sum by the
 * number of positives; here the map is returned and the caller reduces it.
 */
export function focalLoss(yTrue: Tensor, yPred: Tensor, options: FocalLossOptions = {}): Tensor {
  const { alpha = 2, beta = 4, positiveThreshold = 1 - 1e-4, epsilon = 1e-7 } = options;
  checkNumber('alpha', alpha, (v) => v >= 0, 'a number >= 0');
  checkNumber('beta', beta, (v) => v >= 0, 'a number >= 0');
  checkNumber('positiveThreshold', positiveThreshold, (v) => v > 0 && v <= 1, 'in (0, 1]');
  checkNumber('epsilon', epsilon, (v) => v > 0 && v < 0.5, 'in (0, 0.5)');
  checkSameShape(yTrue.shape, yPred.shape, 'focalLoss(yTrue, yPred)');
  return tidy(() => {
    const p = clipByValue(yPred, epsilon, 1 - epsilon);
    const positive = mul(pow(sub(1, p), alpha), log(p));
    const negative = mul(mul(pow(sub(1, yTrue), beta), pow(p, alpha)), log(sub(1, p)));
    return neg(where(greaterEqual(yTrue, positiveThreshold), positive, negative));
  });
}
