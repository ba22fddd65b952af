import {
  add,
  cast,
  greaterEqual,
  maxPool3d,
  mul,
  reshape,
  type Tensor,
  type Tensor5D,
  tidy,
} from '@tensorflow/tfjs-core';
import { checkNumber, LossesError } from './errors';

/** Options of {@link weightMap}; the same as `@dmdet/groundtruth`'s typed-array version. */
export interface WeightMapOptions {
  /** Extra weight λ near particles: W = λ + 1 there, 1 elsewhere. Default 10. */
  lambda?: number;
  /** Threshold T on the dilated target. Default 0.2. */
  threshold?: number;
  /** Grey-dilation window: `'3x3'` in-plane (the paper's) or `'3x3x3'`. Default `'3x3'`. */
  footprint?: '3x3' | '3x3x3';
}

/** Validates weight-map options and fills in the defaults (λ = 10, T = 0.2, 3×3). */
export function resolveWeightMapOptions(options: WeightMapOptions = {}): Required<WeightMapOptions> {
  const o = { lambda: 10, threshold: 0.2, footprint: '3x3' as const, ...options };
  checkNumber('lambda', o.lambda, (v) => v >= 0, 'a number >= 0');
  checkNumber('threshold', o.threshold, () => true, 'a finite number');
  if (o.footprint !== '3x3' && o.footprint !== '3x3x3') {
    throw new LossesError(
      'INVALID_OPTION',
      `footprint must be '3x3' or '3x3x3', got ${JSON.stringify(o.footprint)}`,
    );
  }
  return o;
}

/** A target as 5D `[batch, z, y, x, channels]` from rank 3 `[z, y, x]`, 4 `[batch, z, y, x]` or 5. */
export function as5D(t: Tensor, what: string): Tensor5D {
  const s = t.shape;
  if (s.length === 5) return t as Tensor5D;
  if (s.length === 4) return reshape(t, [s[0] as number, s[1] as number, s[2] as number, s[3] as number, 1]);
  if (s.length === 3) return reshape(t, [1, s[0] as number, s[1] as number, s[2] as number, 1]);
  throw new LossesError(
    'SHAPE_MISMATCH',
    `${what} must be [z, y, x], [batch, z, y, x] or [batch, z, y, x, channels], got rank ${s.length} [${s.join(', ')}]`,
  );
}

/**
 * The weight map W of DM-DetNet3D (eq. 2) as a tfjs op: grey dilation of the target by a stride-1
 * max pool (3×3 in-plane or 3×3×3, out-of-volume voxels ignored), then λ + 1 where it reaches T and
 * 1 elsewhere. Same shape as `yTrue`; equals `@dmdet/groundtruth`'s `weightMap` voxel for voxel.
 *
 * @example
 * const w = weightMap(yTrue, { lambda: 10, threshold: 0.2 });
 */
export function weightMap(yTrue: Tensor, options: WeightMapOptions = {}): Tensor {
  const { lambda, threshold, footprint } = resolveWeightMapOptions(options);
  return tidy(() => {
    const x = as5D(yTrue, 'weightMap(yTrue)');
    const filter: [number, number, number] = footprint === '3x3' ? [1, 3, 3] : [3, 3, 3];
    const dilated = maxPool3d(x, filter, 1, 'same');
    const w = add(mul(cast(greaterEqual(dilated, threshold), 'float32'), lambda), 1);
    return reshape(w, yTrue.shape);
  });
}
