import { createVolume, type Volume } from '@dmdet/volume-io';
import { ModelError } from './errors';

/**
 * How many in-plane symmetries of the input a prediction averages over (test-time augmentation):
 * 1 (the volume as it is), 2 (and its x mirror), 4 (the two mirrors and both at once: the 180°
 * rotation), 8 (those four, each with y and x swapped: all rotations and mirrors of the plane).
 */
export type TestTimeFlips = 1 | 2 | 4 | 8;

/** The {@link TestTimeFlips} values, in order. */
export const TEST_TIME_FLIPS: readonly TestTimeFlips[] = Object.freeze([1, 2, 4, 8]);

/** One in-plane symmetry: mirror y, mirror x, then swap y and x. */
export interface PlaneSymmetry {
  flipY: boolean;
  flipX: boolean;
  transpose: boolean;
}

/** Checks a {@link TestTimeFlips} value (e.g. an option or a model's metadata); returns it. */
export function checkTestTimeFlips(value: unknown, label = 'flips'): TestTimeFlips {
  if (!TEST_TIME_FLIPS.includes(value as TestTimeFlips))
    throw new ModelError('INVALID_OPTION', `${label} must be 1, 2, 4 or 8, got ${JSON.stringify(value)}`);
  return value as TestTimeFlips;
}

/**
 * The symmetries {@link TestTimeFlips} averages over, the identity first.
 *
 * @example
 * planeSymmetries(2); // [{ flipY: false, flipX: false, transpose: false }, { flipY: false, flipX: true, transpose: false }]
 */
export function planeSymmetries(flips: TestTimeFlips): PlaneSymmetry[] {
  checkTestTimeFlips(flips);
  const mirrors: [boolean, boolean][] = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];
  const out: PlaneSymmetry[] = [];
  for (const transpose of [false, true])
    for (const [flipY, flipX] of mirrors) if (out.length < flips) out.push({ flipY, flipX, transpose });
  return out;
}

/**
 * `volume` under a symmetry: voxel (z, y, x) of the mirrored volume is (z, Y−1−y, X−1−x) where
 * mirrored; with `transpose`, the result's voxel (z, x, y) is the mirrored volume's (z, y, x) (shape
 * `[Z, X, Y]`).
 */
export function applySymmetry(volume: Volume, symmetry: PlaneSymmetry): Volume<Float32Array> {
  const [Z, Y, X] = checkShape(volume);
  const { flipY, flipX, transpose } = symmetry;
  const src = volume.data;
  const out = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) {
      const sy = flipY ? Y - 1 - y : y;
      for (let x = 0; x < X; x++) {
        const v = src[(z * Y + sy) * X + (flipX ? X - 1 - x : x)] as number;
        out[transpose ? (z * X + x) * Y + y : (z * Y + y) * X + x] = v;
      }
    }
  const [vz, vy, vx] = volume.voxelSize ?? [1, 1, 1];
  return createVolume(
    out,
    transpose ? [Z, X, Y] : [Z, Y, X],
    volume.voxelSize ? (transpose ? [vz, vx, vy] : [vz, vy, vx]) : undefined,
  );
}

/** The inverse of {@link applySymmetry}: `undoSymmetry(applySymmetry(v, s), s)` equals `v`. */
export function undoSymmetry(volume: Volume, symmetry: PlaneSymmetry): Volume<Float32Array> {
  if (!symmetry.transpose) return applySymmetry(volume, symmetry);
  const back = applySymmetry(volume, { flipY: false, flipX: false, transpose: true });
  return applySymmetry(back, { ...symmetry, transpose: false });
}

/**
 * Predicts a map as the mean of the maps of `volume` under `flips` in-plane symmetries, each
 * mapped back ({@link planeSymmetries}): a network trained with mirrored and transposed crops sees
 * each spot several ways, and its errors that do not follow the symmetry average out. The
 * predictions are started together (a worker pool runs them in parallel); each map is added to the
 * sum as it arrives, the same whatever the order. `flips` 1 is `predict` itself.
 *
 * @example
 * const map = await predictFlipAveraged(input, (v) => predictVolume(model, v), 4);
 */
export async function predictFlipAveraged(
  volume: Volume<Float32Array>,
  predict: (volume: Volume<Float32Array>) => Promise<Volume<Float32Array>>,
  flips: TestTimeFlips,
): Promise<Volume<Float32Array>> {
  const symmetries = planeSymmetries(flips);
  if (symmetries.length === 1) return predict(volume);
  const [Z, Y, X] = checkShape(volume);
  // Each map added as it arrives (then dropped), in float64: exact for a few float32 maps of
  // like magnitude, so the mean does not depend on the order they arrive in.
  const sum = new Float64Array(Z * Y * X);
  await Promise.all(
    symmetries.map(async (s) => {
      const map = await predict(applySymmetry(volume, s));
      const expected = s.transpose ? [Z, X, Y] : [Z, Y, X];
      if (map.shape.some((n, k) => n !== expected[k]))
        throw new ModelError(
          'INVALID_SAMPLE',
          `predict returned a map of shape ${map.shape.join('×')} for an input of ${expected.join('×')}`,
        );
      const back = undoSymmetry(map, s).data;
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (back[i] as number);
    }),
  );
  const mean = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) mean[i] = (sum[i] as number) / symmetries.length;
  return createVolume(mean, [Z, Y, X], volume.voxelSize);
}

function checkShape(volume: Volume): [number, number, number] {
  const [Z, Y, X] = volume.shape;
  if (volume.data.length !== Z * Y * X)
    throw new ModelError(
      'INVALID_SAMPLE',
      `volume has ${volume.data.length} values, its shape ${volume.shape.join('×')} needs ${Z * Y * X}`,
    );
  return [Z, Y, X];
}
