import { mean, mul, type Scalar, slice, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { type AdaptiveWingOptions, adaptiveWing, resolveAdaptiveWingOptions } from './adaptive-wing';
import {
  type FocalLossOptions,
  focalLoss,
  squaredError,
  type WeightedBceOptions,
  weightedBinaryCrossEntropy,
} from './baselines';
import { checkSameShape, LossesError } from './errors';
import { resolveWeightMapOptions, type WeightMapOptions, weightMap } from './weight-map';

/** The per-voxel losses the factory knows. */
export type LossName = 'awing' | 'mse' | 'bce' | 'focal';

/**
 * Where the per-voxel weights come from: computed from the target (eq. 2) inside the loss,
 * packed as the last of two channels of `yTrue` (`[..., 0]` target, `[..., 1]` weight), or none.
 */
export type WeightSource = 'fromTarget' | 'packed' | 'none';

/** Options of {@link createLoss}. */
export interface CreateLossOptions {
  /** Per-voxel loss. Default `'awing'`. */
  loss?: LossName;
  /** Weights. Default `'fromTarget'` for awing and mse, `'none'` for bce and focal. */
  weights?: WeightSource;
  /** AWing parameters (loss `'awing'`). */
  awing?: AdaptiveWingOptions;
  /** Weight-map parameters (weights `'fromTarget'`). */
  weightMap?: WeightMapOptions;
  /** BCE parameters (loss `'bce'`). */
  bce?: WeightedBceOptions;
  /** Focal parameters (loss `'focal'`). */
  focal?: FocalLossOptions;
}

/** A loss function as tfjs-layers `compile({ loss })` and `optimizer.minimize` take it. */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Scalar;

/**
 * Makes a loss function `(yTrue, yPred) => Scalar` for `model.compile({ loss })` or a custom loop
 * with `optimizer.minimize`: the mean over all voxels of the per-voxel loss times its weight.
 * tfjs-layers' `fit` has no per-voxel sample weights, so the weights are either computed from
 * `yTrue` inside the loss (`'fromTarget'`, the default for AWing: exactly eq. 3) or packed as a
 * second channel of `yTrue` (`'packed'`). Options are validated here, once.
 *
 * @example
 * model.compile({ optimizer, loss: createLoss({ loss: 'awing' }) });
 * optimizer.minimize(() => createLoss()(yTrue, model.predict(x) as tf.Tensor));
 */
export function createLoss(options: CreateLossOptions = {}): LossFunction {
  const loss = options.loss ?? 'awing';
  if (!['awing', 'mse', 'bce', 'focal'].includes(loss)) {
    throw new LossesError(
      'INVALID_OPTION',
      `loss must be 'awing', 'mse', 'bce' or 'focal', got ${JSON.stringify(loss)}`,
    );
  }
  const weights = options.weights ?? (loss === 'awing' || loss === 'mse' ? 'fromTarget' : 'none');
  if (!['fromTarget', 'packed', 'none'].includes(weights)) {
    throw new LossesError(
      'INVALID_OPTION',
      `weights must be 'fromTarget', 'packed' or 'none', got ${JSON.stringify(weights)}`,
    );
  }
  const awing = resolveAdaptiveWingOptions(options.awing);
  const wm = resolveWeightMapOptions(options.weightMap);
  const perVoxel = (y: Tensor, p: Tensor): Tensor =>
    loss === 'awing'
      ? adaptiveWing(y, p, awing)
      : loss === 'mse'
        ? squaredError(y, p)
        : loss === 'bce'
          ? weightedBinaryCrossEntropy(y, p, options.bce)
          : focalLoss(y, p, options.focal);
  const fn: LossFunction = (yTrue, yPred) =>
    tidy(() => {
      if (weights === 'packed') {
        const c = yTrue.shape[yTrue.rank - 1];
        if (c !== 2 || yPred.shape[yPred.rank - 1] !== 1) {
          throw new LossesError(
            'SHAPE_MISMATCH',
            `weights 'packed' needs yTrue with 2 channels (target, weight) and yPred with 1, got [${yTrue.shape.join(', ')}] and [${yPred.shape.join(', ')}]`,
          );
        }
        const size = [...yTrue.shape.slice(0, -1), 1];
        const begin0 = yTrue.shape.map(() => 0);
        const begin1 = [...begin0.slice(0, -1), 1];
        const target = slice(yTrue, begin0, size);
        const w = slice(yTrue, begin1, size);
        return mean(mul(perVoxel(target, yPred), w)) as Scalar;
      }
      checkSameShape(yTrue.shape, yPred.shape, `${loss} loss (yTrue, yPred)`);
      const map = perVoxel(yTrue, yPred);
      return mean(weights === 'fromTarget' ? mul(map, weightMap(yTrue, wm)) : map) as Scalar;
    });
  Object.defineProperty(fn, 'name', { value: `${loss}Loss` });
  return fn;
}
