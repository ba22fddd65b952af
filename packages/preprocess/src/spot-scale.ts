import { checkNumber } from './errors';
import type { SpotSize } from './spot-size';

/**
 * A model's spot scale: the spot σ (voxels) it was trained at, and optionally how far detection may
 * enlarge a volume of smaller spots toward it (`maxZoom`; absent: all the way).
 */
export interface SpotScale extends SpotSize {
  /**
   * Limits on enlargement (each ≥ 1; each absent: none). `xy`, `z`: the largest zoom on that axis.
   * `voxels`: the largest product of the enlarging factors (how many times more voxels enlargement
   * alone may make); above it, every enlarging factor f becomes f^a, with a chosen so that their
   * product is `voxels` (alike in log), and shrinking factors stay. Spots so held back reach the
   * model somewhat smaller than its scale.
   */
  maxZoom?: { xy?: number; z?: number; voxels?: number };
}

/**
 * The zoom factors `[z, y, x]` that bring spots of `spot` σ to a model's spot scale `model`
 * (`model / spot` per axis, held back by `model.maxZoom` where that is given), or 1 on an axis where the
 * two agree within `tolerance` (relative; default 0.15), so a volume already at the model's scale is
 * not interpolated for nothing.
 *
 * @example
 * spotScaleFactors({ xy: 2.8, z: 1 }, { xy: 1.4, z: 1 }); // [1, 0.5, 0.5]
 * spotScaleFactors({ xy: 0.7, z: 1 }, { xy: 1.4, z: 1, maxZoom: { xy: 1.5 } }); // [1, 1.5, 1.5]
 * spotScaleFactors({ xy: 0.7, z: 0.5 }, { xy: 1.4, z: 1, maxZoom: { voxels: 4 } }); // [2^(2/3), 2^(2/3), 2^(2/3)] (8× → 4×)
 */
export function spotScaleFactors(
  spot: SpotSize,
  model: SpotScale,
  tolerance = 0.15,
): [number, number, number] {
  checkNumber('spot.xy', spot?.xy, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('spot.z', spot?.z, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('model.xy', model?.xy, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('model.z', model?.z, (v) => v > 0, 'a spot σ in voxels > 0');
  checkNumber('tolerance', tolerance, (v) => v >= 0, 'a relative tolerance >= 0');
  const cap = model.maxZoom ?? {};
  for (const k of ['xy', 'z', 'voxels'] as const)
    if (cap[k] !== undefined) checkNumber(`model.maxZoom.${k}`, cap[k], (v) => v >= 1, 'a zoom >= 1');
  const factor = (a: number, b: number, max = Number.POSITIVE_INFINITY) =>
    Math.abs(a / b - 1) <= tolerance ? 1 : Math.min(b / a, max);
  let xy = factor(spot.xy, model.xy, cap.xy);
  let z = factor(spot.z, model.z, cap.z);
  const grow = Math.max(xy, 1) ** 2 * Math.max(z, 1);
  if (cap.voxels !== undefined && grow > cap.voxels) {
    const a = Math.log(cap.voxels) / Math.log(grow);
    if (xy > 1) xy **= a;
    if (z > 1) z **= a;
  }
  return [z, xy, xy];
}
