import { createVolume, type Volume, type VolumeData, validateShape } from '@dmdet/volume-io';
import { asGroundtruthError, checkNumber, GroundtruthError } from './errors';

/** The grey-dilation window of the weight map: in-plane 3×3 (the paper's) or 3×3×3. */
export type WeightFootprint = '3x3' | '3x3x3';

/** Options of {@link weightMap}. */
export interface WeightMapOptions {
  /** Extra weight λ near particles: W = λ + 1 there, 1 elsewhere. Default 10. */
  lambda?: number;
  /** Threshold T on the dilated density. Default 0.2. */
  threshold?: number;
  /** Dilation window. Default `'3x3'` (in-plane, as the paper). */
  footprint?: WeightFootprint;
}

/** Running maximum over a window of 3 along one axis (stride `step`, `n` elements per line). */
function max3Along(
  src: Float32Array,
  dst: Float32Array,
  lines: number,
  n: number,
  step: number,
  lineStep: (l: number) => number,
): void {
  for (let l = 0; l < lines; l++) {
    const base = lineStep(l);
    for (let i = 0; i < n; i++) {
      const at = base + i * step;
      let m = src[at] as number;
      if (i > 0 && (src[at - step] as number) > m) m = src[at - step] as number;
      if (i < n - 1 && (src[at + step] as number) > m) m = src[at + step] as number;
      dst[at] = m;
    }
  }
}

/**
 * Grey dilation (maximum filter) of a volume with a 3×3 in-plane or 3×3×3 window; voxels outside
 * the volume are ignored (the same as scipy.ndimage.grey_dilation with mode 'reflect' or 'nearest'
 * for a window of 3). Separable: three passes of a 3-wide maximum.
 */
export function greyDilation(volume: Volume, footprint: WeightFootprint = '3x3'): Volume<Float32Array> {
  const [Z, Y, X] = volume.shape;
  const a = Float32Array.from(volume.data as VolumeData);
  const b = new Float32Array(a.length);
  max3Along(a, b, Z * Y, X, 1, (l) => l * X);
  max3Along(b, a, Z * X, Y, X, (l) => Math.floor(l / X) * Y * X + (l % X));
  if (footprint === '3x3x3') {
    max3Along(a, b, Y * X, Z, Y * X, (l) => l);
    return createVolume(b, volume.shape);
  }
  return createVolume(a, volume.shape);
}

/**
 * The weight map W of DM-DetNet3D (eq. 2): λ + 1 where the grey dilation of the density map is at
 * least T, 1 elsewhere, so particles and the background right next to them weigh λ + 1 times more.
 *
 * @example
 * const w = weightMap(densityMap(points, shape), { lambda: 10, threshold: 0.2, footprint: '3x3' });
 */
export function weightMap(density: Volume, options: WeightMapOptions = {}): Volume<Float32Array> {
  const { lambda = 10, threshold = 0.2, footprint = '3x3' } = options;
  checkNumber('lambda', lambda, (v) => v >= 0, 'a number >= 0');
  checkNumber('threshold', threshold, () => true, 'a finite number');
  if (footprint !== '3x3' && footprint !== '3x3x3') {
    throw new GroundtruthError(
      'INVALID_OPTION',
      `footprint must be '3x3' or '3x3x3', got ${JSON.stringify(footprint)}`,
    );
  }
  asGroundtruthError('INVALID_SHAPE', () => validateShape(density.shape));
  const d = density.data;
  if (d.length !== density.shape[0] * density.shape[1] * density.shape[2]) {
    throw new GroundtruthError(
      'INVALID_SHAPE',
      `density has ${d.length} values, its shape needs ${density.shape.join('×')}`,
    );
  }
  for (let i = 0; i < d.length; i++) {
    if (Number.isNaN(d[i] as number)) {
      throw new GroundtruthError('INVALID_DENSITY', `density is NaN at voxel ${i}; expected finite values`);
    }
  }
  const dilated = greyDilation(density, footprint).data;
  const out = new Float32Array(d.length);
  const high = lambda + 1;
  for (let i = 0; i < out.length; i++) out[i] = (dilated[i] as number) >= threshold ? high : 1;
  return createVolume(out, density.shape);
}
