import { createVolume, type Volume } from '@dmdet/volume-io';
import { type Tensor, tensor5d, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ModelError } from './errors';

/**
 * Runs a model on one volume (already normalised) and returns its output map as a float32 volume of
 * the same shape. Tensors are released; the result is read with `data()` (no GPU stall on webgl).
 *
 * @example
 * const map = await predictVolume(model, normalizePercentile(volume));
 */
export async function predictVolume(model: LayersModel, volume: Volume): Promise<Volume<Float32Array>> {
  const [Z, Y, X] = volume.shape;
  if (volume.data.length !== Z * Y * X)
    throw new ModelError(
      'INVALID_SAMPLE',
      `volume has ${volume.data.length} values, its shape needs ${Z * Y * X}`,
    );
  const out = tidy(() => {
    const x = tensor5d(volume.data instanceof Float32Array ? volume.data : Float32Array.from(volume.data), [
      1,
      Z,
      Y,
      X,
      1,
    ]);
    return model.predict(x) as Tensor;
  });
  try {
    const data = (await out.data()) as Float32Array;
    return createVolume(
      data.length === Z * Y * X ? data : data.slice(0, Z * Y * X),
      [Z, Y, X],
      volume.voxelSize,
    );
  } finally {
    out.dispose();
  }
}
