import { checkNumber } from './errors';
import type { SpotSize } from './spot-size';

/**
 * The zoom factors `[z, y, x]` that bring spots of `spot` σ to a model's spot scale `model`
 * (`model / spot` per axis), or 1 on an axis where the two agree within `tolerance` (relative;
 * default 0.15), so a volume already at the model's scale is not interpolated for nothing.
 *
 * @example
 * spotScaleFactors({ xy: 2.8, z: 1 }, { xy: 1.4, z: 1 }); // [1, 0.5, 0.5]
 */
export function spotScaleFactors(
  spot: SpotSize,
  model: SpotSize,
  tolerance = 0.15,
): [number, number, number] {
  checkNumber('spot.xy', spot?.xy, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('spot.z', spot?.z, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('model.xy', model?.xy, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('model.z', model?.z, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('tolerance', tolerance, (v) => v >= 0, 'a relative tolerance >= 0');
  const factor = (a: number, b: number) => (Math.abs(a / b - 1) <= tolerance ? 1 : b / a);
  const xy = factor(spot.xy, model.xy);
  return [factor(spot.z, model.z), xy, xy];
}
