import { mean, mul, type Scalar, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { type AdaptiveWingOptions, adaptiveWing } from './adaptive-wing';
import { checkSameShape } from './errors';
import { type WeightMapOptions, weightMap } from './weight-map';

/** The weighted loss map L_w = L ⊙ W (eq. 3). */
export function weightedLoss(lossMap: Tensor, weights: Tensor): Tensor {
  checkSameShape(lossMap.shape, weights.shape, 'weightedLoss(lossMap, weights)');
  return mul(lossMap, weights);
}

/** The mean of the weighted loss map: the training objective of eq. 3, a scalar. */
export function weightedMean(lossMap: Tensor, weights: Tensor): Scalar {
  return tidy(() => mean(weightedLoss(lossMap, weights)) as Scalar);
}

/**
 * DM-DetNet3D's objective in one call: mean(AWing(yTrue, yPred) ⊙ W(yTrue)), the weight map computed
 * from the target.
 *
 * @example
 * const loss = dmDetNetLoss(yTrue, yPred); // Scalar
 */
export function dmDetNetLoss(
  yTrue: Tensor,
  yPred: Tensor,
  options: { awing?: AdaptiveWingOptions; weights?: WeightMapOptions } = {},
): Scalar {
  return tidy(() =>
    weightedMean(adaptiveWing(yTrue, yPred, options.awing), weightMap(yTrue, options.weights)),
  );
}
