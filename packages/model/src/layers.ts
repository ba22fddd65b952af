import {
  add,
  concat,
  moments,
  mul,
  pad,
  reshape,
  rsqrt,
  serialization,
  slice,
  sub,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = (number | null)[];

const one = (inputs: Tensor | Tensor[]): Tensor => (Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs);

/** Options of {@link InstanceNormalization}. */
export interface InstanceNormalizationArgs extends LayerArgs {
  /** Added to the variance. Default 1e-5. */
  epsilon?: number;
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
  private gamma: LayerVariable | undefined;
  private beta: LayerVariable | undefined;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = one(inputs);
      const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
      const { mean, variance } = moments(x, axes, true);
      const normalised = mul(sub(x, mean), rsqrt(add(variance, this.epsilon)));
      return add(mul(normalised, (this.gamma as LayerVariable).read()), (this.beta as LayerVariable).read());
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

/** Options of {@link UpSampling3D}. */
export interface UpSampling3DArgs extends LayerArgs {
  /** Factors `[z, y, x]`. Default [1, 2, 2]. */
  size?: [number, number, number];
}

/**
 * Nearest-neighbour 3D upsampling of `[batch, z, y, x, channels]` by integer factors, written with
 * reshape + concat (tfjs-layers 4.22 has no UpSampling3D, and `tile` at rank 8 has no usable gradient).
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
      this.size.forEach((f, k) => {
        if (f === 1) return;
        const axis = k + 1;
        const s = x.shape;
        const expanded = reshape(x, [...s.slice(0, axis + 1), 1, ...s.slice(axis + 1)]);
        const copies = concat(new Array<Tensor>(f).fill(expanded), axis + 1);
        x = reshape(copies, [...s.slice(0, axis), (s[axis] as number) * f, ...s.slice(axis + 1)]);
      });
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
  for (const cls of [InstanceNormalization, UpSampling3D, PadToMultiple, CropToReference]) {
    serialization.registerClass(
      cls as unknown as serialization.SerializableConstructor<serialization.Serializable>,
    );
  }
  registered = true;
}
