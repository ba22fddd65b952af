import {
  add,
  avgPool,
  concat,
  conv3d,
  customGrad,
  type GradSaveFunc,
  getBackend,
  image,
  mul,
  neg,
  onesLike,
  pad,
  reshape,
  rsqrt,
  serialization,
  sigmoid,
  slice,
  square,
  sub,
  sum,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tidy,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import { channelAffine, channelMeans, perChannel, sumToChannels } from './channel-ops';
import { ModelError } from './errors';
import { conv3dSame } from './fast-conv';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = (number | null)[];

const one = (inputs: Tensor | Tensor[]): Tensor => (Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs);

/**
 * Instance normalization with its own gradient: per sample and channel over the spatial axes,
 * y = γ·x̂ + β with x̂ = (x − μ)·s, s = 1/√(σ² + ε). Written on the centred input x_c = x − μ (saved for
 * the gradient instead of x̂), with per-channel statistics and affine maps from `channel-ops`:
 * dx = γs·dy − γs³·mean(dy·x_c)·x_c − γs·mean(dy), dγ = Σ s·dy·x_c, dβ = Σ dy.
 */
export function instanceNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  const f = customGrad(((xIn: Tensor, g: Tensor, b: Tensor, save: GradSaveFunc) => {
    const { xc, inv } = tidy(() => {
      const mu = channelMeans(xIn); // [B, C]
      const centred = channelAffine(xIn, onesLike(mu), neg(mu));
      return { xc: centred, inv: rsqrt(add(channelMeans(square(centred)), epsilon)) };
    });
    save([xc, inv, g]);
    const value = tidy(() => channelAffine(xc, mul(inv, g), b));
    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const [xcs, s, gs] = saved as [Tensor, Tensor, Tensor];
        const voxels = xcs.size / s.size;
        const mdy = channelMeans(dy); // [B, C]
        const mdx = channelMeans(mul(dy, xcs)); // [B, C]
        const gsInv = mul(s, gs);
        const dx = add(
          channelAffine(dy, gsInv, zerosLike(gsInv)),
          channelAffine(xcs, neg(mul(mul(gsInv, square(s)), mdx)), neg(mul(gsInv, mdy))),
        );
        const dGamma = mul(sum(mul(s, mdx), 0), voxels);
        const dBeta = mul(sum(mdy, 0), voxels);
        return [dx, dGamma, dBeta];
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof customGrad>[0]);
  return f(x, gamma, beta) as Tensor;
}

/**
 * `y = γ·(x − m)/√(v + ε) + β` with fixed per-channel `m` and `v` (`[C]`) on channels-last `x`: an
 * instance normalisation whose statistics were measured once (see `freezeNormalization`) instead of
 * per sample. One per-channel affine map forward; its own gradient (dx = s·dy with s = γ/√(v + ε),
 * dγ = Σ dy·(x − m)/√(v + ε), dβ = Σ dy), with the statistics held constant.
 */
export function fixedNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  mean: Tensor,
  variance: Tensor,
  epsilon: number,
): Tensor {
  const f = customGrad(((xIn: Tensor, g: Tensor, b: Tensor, save: GradSaveFunc) => {
    const { inv, scale, shift } = tidy(() => {
      const r = rsqrt(add(variance, epsilon));
      const s = mul(g, r);
      return { inv: r, scale: s, shift: sub(b, mul(mean, s)) };
    });
    save([xIn, inv, scale]);
    const value = tidy(() => channelAffine(xIn, scale, shift));
    shift.dispose();
    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const [xs, r, s] = saved as [Tensor, Tensor, Tensor];
        const dx = channelAffine(dy, s, zerosLike(s));
        const sumDy = sumToChannels(dy);
        const dGamma = mul(r, sub(sumToChannels(mul(dy, xs)), mul(mean, sumDy)));
        return [dx, dGamma, sumDy];
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof customGrad>[0]);
  return f(x, gamma, beta) as Tensor;
}

/** Where an {@link InstanceNormalization} layer takes its statistics from. */
export type NormalizationStatistics = 'instance' | 'fixed';

/** Options of {@link InstanceNormalization}. */
export interface InstanceNormalizationArgs extends LayerArgs {
  /** Added to the variance. Default 1e-5. */
  epsilon?: number;
  /**
   * `'instance'` (default): each sample's own mean and variance, as in the paper. `'fixed'`: a mean
   * and variance per channel stored as (non-trainable) weights `mean` and `variance`, so the output
   * at a voxel does not depend on the rest of the volume (see `freezeNormalization`).
   */
  statistics?: NormalizationStatistics;
}

/** Accumulates the per-channel mean and variance an instance-normalisation layer sees, per sample. */
export interface StatisticsRecorder {
  record(layer: string, mean: Float32Array, variance: Float32Array): void;
}

/**
 * Instance normalization (Ulyanov et al.): each sample and channel normalised over its spatial axes
 * (z, y, x for 5D input), then scaled and shifted by a learnable per-channel gamma and beta.
 * A proper tfjs-layers layer: `getConfig` and registered, so models using it save and load.
 */
export class InstanceNormalization extends layers.Layer {
  /** Registered class name. */
  static className = 'InstanceNormalization';
  readonly epsilon: number;
  readonly statistics: NormalizationStatistics;
  /** While set (and statistics are per instance), each call reports its per-sample statistics here. */
  recorder: StatisticsRecorder | undefined;
  private gamma: LayerVariable | undefined;
  private beta: LayerVariable | undefined;
  private mean: LayerVariable | undefined;
  private variance: LayerVariable | undefined;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    const statistics = args.statistics ?? 'instance';
    if (statistics !== 'instance' && statistics !== 'fixed')
      throw new ModelError(
        'INVALID_CONFIG',
        `InstanceNormalization statistics must be 'instance' or 'fixed', got ${JSON.stringify(statistics)}`,
      );
    this.statistics = statistics;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    if (this.statistics === 'fixed') {
      this.mean = this.addWeight('mean', [channels], 'float32', initializers.zeros(), undefined, false);
      this.variance = this.addWeight(
        'variance',
        [channels],
        'float32',
        initializers.ones(),
        undefined,
        false,
      );
    }
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const gamma = (this.gamma as LayerVariable).read();
    const beta = (this.beta as LayerVariable).read();
    if (this.statistics === 'fixed')
      return fixedNorm(
        x,
        gamma,
        beta,
        (this.mean as LayerVariable).read(),
        (this.variance as LayerVariable).read(),
        this.epsilon,
      );
    if (this.recorder) this.report(x, this.recorder);
    return instanceNorm(x, gamma, beta, this.epsilon);
  }

  private report(x: Tensor, recorder: StatisticsRecorder): void {
    const [mu, v] = tidy(() => {
      const m = channelMeans(x);
      return [m, channelMeans(square(channelAffine(x, onesLike(m), neg(m))))];
    });
    const c = x.shape[x.rank - 1] as number;
    const means = mu.dataSync() as Float32Array;
    const variances = v.dataSync() as Float32Array;
    mu.dispose();
    v.dispose();
    for (let b = 0; b < means.length / c; b++)
      recorder.record(this.name, means.slice(b * c, (b + 1) * c), variances.slice(b * c, (b + 1) * c));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      ...(this.statistics === 'fixed' ? { statistics: this.statistics } : {}),
    };
  }
}

/**
 * Nearest-neighbour in-plane upsampling of `[n, h, w, c]` by integer factors, with its own gradient
 * (the sum over each fy×fx block, as an average pool times fy·fx): tfjs 4.22's cpu kernel for
 * ResizeNearestNeighborGrad reads `dy` with the input's batch stride, so its gradient is wrong for
 * every image after the first.
 */
function upsamplePlanes(planes: Tensor4D, fy: number, fx: number): Tensor4D {
  const [, H, W] = planes.shape;
  const f = customGrad((x: Tensor | GradSaveFunc) => ({
    value: image.resizeNearestNeighbor(x as Tensor4D, [H * fy, W * fx]),
    gradFunc: (dy: Tensor) => mul(avgPool(dy as Tensor4D, [fy, fx], [fy, fx], 'valid'), fy * fx),
  }));
  return f(planes) as Tensor4D;
}

/** Options of {@link UpSampling3D}. */
export interface UpSampling3DArgs extends LayerArgs {
  /** Factors `[z, y, x]`. Default [1, 2, 2]. */
  size?: [number, number, number];
}

/**
 * Nearest-neighbour 3D upsampling of `[batch, z, y, x, channels]` by integer factors (tfjs-layers 4.22
 * has none): in-plane as a nearest resize of the z-slices, along z by reshape + concat (`tile` at
 * rank 8 has no usable gradient).
 */
export class UpSampling3D extends layers.Layer {
  /** Registered class name. */
  static className = 'UpSampling3D';
  readonly size: [number, number, number];

  constructor(args: UpSampling3DArgs = {}) {
    super(args);
    this.size = args.size ?? [1, 2, 2];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      let x = one(inputs);
      const [fz, fy, fx] = this.size;
      if (x.rank === 5 && (fy > 1 || fx > 1)) {
        // In-plane: nearest resize of the B·D slices (fast on every backend), with our own gradient.
        const [B, D, H, W, C] = x.shape as [number, number, number, number, number];
        const planes = reshape(x, [B * D, H, W, C]) as Tensor4D;
        x = reshape(upsamplePlanes(planes, fy, fx), [B, D, H * fy, W * fx, C]);
      }
      if (fz > 1) {
        // Along z: reshape + concat (tile at rank 8 has no usable gradient in tfjs 4.22).
        const s = x.shape;
        const expanded = reshape(x, [...s.slice(0, 2), 1, ...s.slice(2)]);
        const copies = concat(new Array<Tensor>(fz).fill(expanded), 2);
        x = reshape(copies, [s[0] as number, (s[1] as number) * fz, ...s.slice(2)]);
      }
      return x;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
    this.size.forEach((f, k) => {
      const d = s[k + 1];
      s[k + 1] = d === null || d === undefined ? null : d * f;
    });
    return s;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}

/** Options of {@link PadToMultiple}. */
export interface PadToMultipleArgs extends LayerArgs {
  /** Spatial sizes are zero-padded at the end up to multiples of these `[z, y, x]`. */
  multiple: [number, number, number];
}

/** Zero-pads the spatial axes at their end to multiples of the network's total stride. */
export class PadToMultiple extends layers.Layer {
  /** Registered class name. */
  static className = 'PadToMultiple';
  readonly multiple: [number, number, number];

  constructor(args: PadToMultipleArgs) {
    super(args);
    this.multiple = args.multiple;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const extra = this.multiple.map((m, k) => {
      const n = x.shape[k + 1] as number;
      return (m - (n % m)) % m;
    });
    if (extra.every((e) => e === 0)) return x.clone();
    return pad(x, [
      [0, 0],
      [0, extra[0] as number],
      [0, extra[1] as number],
      [0, extra[2] as number],
      [0, 0],
    ]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
    this.multiple.forEach((m, k) => {
      const d = s[k + 1];
      s[k + 1] = d === null || d === undefined ? null : Math.ceil(d / m) * m;
    });
    return s;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), multiple: this.multiple };
  }
}

/** Crops `[x, reference]` to the reference's spatial size (undoing {@link PadToMultiple}). */
export class CropToReference extends layers.Layer {
  /** Registered class name. */
  static className = 'CropToReference';

  override call(inputs: Tensor | Tensor[]): Tensor {
    const [x, ref] = inputs as [Tensor, Tensor];
    const s = ref.shape;
    return slice(x, [0, 0, 0, 0, 0], [-1, s[1] as number, s[2] as number, s[3] as number, -1]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [x, ref] = inputShape as [Shape, Shape];
    return [x[0] ?? null, ref[1] ?? null, ref[2] ?? null, ref[3] ?? null, x[4] ?? null];
  }
}

let registered = false;

/**
 * Registers the custom layers with tfjs serialization (idempotent). Called by every function that
 * builds or loads a model, so no import side effect is needed.
 */
export function registerLayers(): void {
  if (registered) return;
  for (const cls of [InstanceNormalization, UpSampling3D, PadToMultiple, CropToReference, Conv3DSame]) {
    serialization.registerClass(
      cls as unknown as serialization.SerializableConstructor<serialization.Serializable>,
    );
  }
  registered = true;
}

/** Options of {@link Conv3DSame}. */
export interface Conv3DSameArgs extends LayerArgs {
  filters: number;
  /** Kernel size: one number or `[z, y, x]`. */
  kernelSize: number | [number, number, number];
  /** Strides `[z, y, x]`. Default [1, 1, 1]. */
  strides?: [number, number, number];
  /** 'linear' (default) or 'sigmoid'. */
  activation?: 'linear' | 'sigmoid';
  /** Kernel initialiser (default He normal). */
  kernelInitializer?: ReturnType<typeof initializers.heNormal>;
  /**
   * `'auto'` (default): the conv2d path on the wasm backend, tfjs's Conv3D elsewhere (cpu, webgl,
   * webgpu and tfjs-node run their own Conv3D well); or force `'conv2d'` / `'native'`.
   */
  mode?: 'auto' | 'conv2d' | 'native';
}

/**
 * A 3D convolution layer ('same' padding, bias) computed by `conv3dSame`: 2D convolutions over the
 * kernel's z-planes with its own gradient, fast on backends whose Conv3D is slow (wasm). Weights
 * `kernel` `[kz, ky, kx, in, out]` and `bias` `[out]`, as tfjs's Conv3D.
 */
export class Conv3DSame extends layers.Layer {
  /** Registered class name. */
  static className = 'Conv3DSame';
  readonly filters: number;
  readonly kernelSize: [number, number, number];
  readonly strides: [number, number, number];
  readonly activation: 'linear' | 'sigmoid';
  readonly mode: 'auto' | 'conv2d' | 'native';
  private readonly kernelInit: ReturnType<typeof initializers.heNormal>;
  private kernel: LayerVariable | undefined;
  private bias: LayerVariable | undefined;

  constructor(args: Conv3DSameArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize =
      typeof args.kernelSize === 'number'
        ? [args.kernelSize, args.kernelSize, args.kernelSize]
        : args.kernelSize;
    this.strides = args.strides ?? [1, 1, 1];
    this.activation = args.activation ?? 'linear';
    this.mode = args.mode ?? 'auto';
    this.kernelInit = args.kernelInitializer ?? initializers.heNormal({});
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1] as number;
    this.kernel = this.addWeight(
      'kernel',
      [...this.kernelSize, channels, this.filters],
      'float32',
      this.kernelInit,
    );
    this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = one(inputs) as Tensor5D;
      const kernel = (this.kernel as LayerVariable).read() as Tensor5D;
      const bias = (this.bias as LayerVariable).read();
      const conv2dPath = this.mode === 'conv2d' || (this.mode === 'auto' && getBackend() === 'wasm');
      const y = conv2dPath
        ? conv3dSame(x, kernel, this.strides, bias)
        : perChannel(add, conv3d(x, kernel, this.strides, 'same'), bias);
      return this.activation === 'sigmoid' ? sigmoid(y) : y;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
    for (let k = 0; k < 3; k++) {
      const d = s[k + 1];
      s[k + 1] = d === null || d === undefined ? null : Math.ceil(d / (this.strides[k] as number));
    }
    s[4] = this.filters;
    return s;
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      activation: this.activation,
      mode: this.mode,
    };
  }
}
