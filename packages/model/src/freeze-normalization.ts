import type { Volume } from '@dmdet/volume-io';
import { tensor1d } from '@tensorflow/tfjs-core';
import { type LayersModel, models as layerModels } from '@tensorflow/tfjs-layers';
import { ModelError } from './errors';
import { InstanceNormalization, registerLayers } from './layers';
import { predictVolume } from './predict';

/** Per-channel statistics of one instance-normalisation layer, averaged over the volumes measured. */
export interface LayerStatistics {
  mean: Float32Array;
  variance: Float32Array;
}

/** Options of {@link freezeNormalization}. */
export interface FreezeNormalizationOptions {
  /**
   * The first this many instance-normalisation layers (in the model's layer order, input side first)
   * keep per-sample statistics; the rest are frozen. Default 0 (all frozen). With 1 the first layer
   * still normalises each volume's input (so the input's scale does not matter, and how its noise
   * compares with its signal reaches the network as context) while no deeper layer rescales by the
   * volume's particle content.
   */
  keepInstance?: number;
  /** Called after each volume. */
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

function instanceLayers(model: LayersModel): InstanceNormalization[] {
  return model.layers.filter((l): l is InstanceNormalization => l instanceof InstanceNormalization);
}

/**
 * Runs `model` (instance statistics) on each volume, whole and one at a time, and returns each
 * instance-normalisation layer's per-channel mean and variance averaged over the volumes (each
 * volume weighs the same), keyed by layer name.
 *
 * @example
 * const stats = await measureNormalization(model, trainingInputs);
 */
export async function measureNormalization(
  model: LayersModel,
  inputs: readonly Volume[],
  options: FreezeNormalizationOptions = {},
): Promise<Map<string, LayerStatistics>> {
  const layers = instanceLayers(model).filter((l) => l.statistics === 'instance');
  if (layers.length === 0)
    throw new ModelError(
      'INVALID_OPTION',
      'the model has no instance-normalisation layer with per-sample statistics',
    );
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw new ModelError('INVALID_OPTION', 'measuring normalisation statistics needs at least one volume');
  const sums = new Map<string, { mean: Float64Array; variance: Float64Array; n: number }>();
  const recorder = {
    record(layer: string, mean: Float32Array, variance: Float32Array) {
      const s = sums.get(layer) ?? {
        mean: new Float64Array(mean.length),
        variance: new Float64Array(mean.length),
        n: 0,
      };
      for (let c = 0; c < mean.length; c++) {
        s.mean[c] = (s.mean[c] as number) + (mean[c] as number);
        s.variance[c] = (s.variance[c] as number) + (variance[c] as number);
      }
      s.n++;
      sums.set(layer, s);
    },
  };
  for (const l of layers) l.recorder = recorder;
  try {
    for (const [i, volume] of inputs.entries()) {
      options.signal?.throwIfAborted();
      await predictVolume(model, volume);
      options.onProgress?.({ done: i + 1, total: inputs.length });
    }
  } finally {
    for (const l of layers) l.recorder = undefined;
  }
  const out = new Map<string, LayerStatistics>();
  for (const [name, s] of sums) {
    out.set(name, {
      mean: Float32Array.from(s.mean, (v) => v / s.n),
      variance: Float32Array.from(s.variance, (v) => v / s.n),
    });
  }
  return out;
}

/**
 * A copy of `model` whose instance-normalisation layers use fixed statistics — each layer's
 * per-channel mean and variance averaged over `inputs` ({@link measureNormalization}) — instead of
 * each volume's own. With per-volume statistics a volume's particle count changes how every voxel
 * is scaled (on the simulated benchmark a sparse volume at SNR 2 got ~5 false detections, and 0.2
 * when predicted beside a dense volume: `npm run diagnose:density`); with fixed statistics the map at a voxel
 * depends only on its neighbourhood, and tiles give exactly the whole-volume map. Fine-tune the
 * result (e.g. `trainDetector` with `model`) so its outputs are calibrated again. `inputs` must be
 * normalised as the model's inputs are; the given model is left unchanged.
 *
 * @example
 * const frozen = await freezeNormalization(model, trainingInputs);
 */
export async function freezeNormalization(
  model: LayersModel,
  inputs: readonly Volume[],
  options: FreezeNormalizationOptions = {},
): Promise<LayersModel> {
  registerLayers();
  const keep = options.keepInstance ?? 0;
  if (!(Number.isInteger(keep) && keep >= 0))
    throw new ModelError('INVALID_OPTION', `keepInstance must be an integer >= 0, got ${keep}`);
  const stats = await measureNormalization(model, inputs, options);
  const order = instanceLayers(model)
    .filter((l) => l.statistics === 'instance')
    .map((l) => l.name);
  if (keep >= order.length)
    throw new ModelError(
      'INVALID_OPTION',
      `keepInstance (${keep}) leaves no layer to freeze: the model has ${order.length} instance-normalisation layers`,
    );
  for (const name of order.slice(0, keep)) stats.delete(name);
  const topology = model.toJSON(undefined, false) as unknown as {
    config: { layers: { class_name: string; name: string; config: Record<string, unknown> }[] };
  };
  for (const layer of topology.config.layers)
    if (layer.class_name === InstanceNormalization.className && stats.has(layer.name))
      layer.config['statistics'] = 'fixed';
  const frozen = (await layerModels.modelFromJSON({ modelTopology: topology } as never)) as LayersModel;
  const source = new Map(model.layers.map((l) => [l.name, l]));
  for (const layer of frozen.layers) {
    const from = source.get(layer.name);
    if (!from) throw new ModelError('INVALID_OPTION', `layer ${layer.name} is missing from the source model`);
    const values = from.getWeights();
    const s = stats.get(layer.name);
    if (layer instanceof InstanceNormalization && s) values.push(tensor1d(s.mean), tensor1d(s.variance));
    layer.setWeights(values);
    if (s) for (const t of values.slice(-2)) t.dispose();
  }
  return frozen;
}
