import { VolumeIoError } from './errors';

/** The element types a {@link Volume} may hold. */
export type VolumeDType = 'uint8' | 'uint16' | 'float32';

/** The typed arrays behind a {@link Volume}, one per {@link VolumeDType}. */
export type VolumeData = Uint8Array | Uint16Array | Float32Array;

/** A triple in axis order `[z, y, x]`. */
export type Vec3 = readonly [number, number, number];

/**
 * A 3D image: voxel values in `data` with x fastest, then y, then z (C order for shape `[z, y, x]`),
 * and an optional voxel size in µm, also `[z, y, x]`. A 2D image is a volume one slice thick.
 */
export interface Volume<D extends VolumeData = VolumeData> {
  readonly data: D;
  readonly shape: Vec3;
  readonly voxelSize?: Vec3;
}

/** The {@link VolumeDType} of a volume's (or an array's) data. */
export function volumeDType(volumeOrData: Volume | VolumeData): VolumeDType {
  const data = ArrayBuffer.isView(volumeOrData) ? volumeOrData : volumeOrData.data;
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Float32Array) return 'float32';
  throw new VolumeIoError('INVALID_VOLUME', `volume data must be a Uint8Array, Uint16Array or Float32Array`);
}

/** Number of voxels of a shape `[z, y, x]`. */
export function voxelCount(shape: Vec3): number {
  return shape[0] * shape[1] * shape[2];
}

/**
 * Checks that a shape is three positive integers and that a voxel size, when given, is three
 * positive finite numbers; throws {@link VolumeIoError} `INVALID_VOLUME` naming the field otherwise.
 */
export function validateShape(shape: readonly number[], voxelSize?: readonly number[], file?: string): void {
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new VolumeIoError('INVALID_VOLUME', `shape must be [z, y, x], got ${JSON.stringify(shape)}`, {
      file,
    });
  }
  for (const [i, axis] of ['z', 'y', 'x'].entries()) {
    const n = shape[i] as number;
    if (!Number.isInteger(n) || n < 1) {
      throw new VolumeIoError('INVALID_VOLUME', `shape ${axis} must be a positive integer, got ${n}`, {
        file,
      });
    }
  }
  if (voxelSize !== undefined) {
    if (!Array.isArray(voxelSize) || voxelSize.length !== 3) {
      throw new VolumeIoError(
        'INVALID_VOLUME',
        `voxelSize must be [z, y, x] in µm, got ${JSON.stringify(voxelSize)}`,
        {
          file,
        },
      );
    }
    for (const [i, axis] of ['z', 'y', 'x'].entries()) {
      const v = voxelSize[i] as number;
      if (!Number.isFinite(v) || v <= 0) {
        throw new VolumeIoError(
          'INVALID_VOLUME',
          `voxelSize ${axis} must be a positive number of µm, got ${v}`,
          {
            file,
          },
        );
      }
    }
  }
}

/**
 * Makes a {@link Volume} after checking that `data` is a supported typed array whose length is
 * `z * y * x`, and that the voxel size (µm, `[z, y, x]`) is positive. The data is not copied.
 *
 * @example
 * const v = createVolume(new Uint16Array(2 * 3 * 4), [2, 3, 4], [0.3, 0.1, 0.1]);
 */
export function createVolume<D extends VolumeData>(data: D, shape: Vec3, voxelSize?: Vec3): Volume<D> {
  volumeDType(data);
  validateShape(shape, voxelSize);
  if (data.length !== voxelCount(shape)) {
    throw new VolumeIoError(
      'INVALID_VOLUME',
      `data has ${data.length} values but shape [${shape.join(', ')}] needs ${voxelCount(shape)}`,
    );
  }
  const s: Vec3 = [shape[0], shape[1], shape[2]];
  return voxelSize
    ? { data, shape: s, voxelSize: [voxelSize[0], voxelSize[1], voxelSize[2]] }
    : { data, shape: s };
}
