import type { Volume } from '@dmdet/volume-io';
import { checkNumber, PostprocessError } from './errors';
import { fitGaussian, type GaussianFit } from './gaussian-fit';
import { checkVolume, type Radii, radiiFrom } from './input';
import { type RefineMethod, subVoxelOffset } from './refine';

/** A detected maximum: position in voxels (refined), its value, and optionally a fitted spot. */
export interface Detection {
  x: number;
  y: number;
  z: number;
  /** The map's value at the maximum (for SEF3D: the response in noise units). */
  score: number;
  /** The fitted Gaussian, when `fitGaussian` was asked for and succeeded. */
  fit?: GaussianFit;
}

/** Options of {@link localMaxima3D}. */
export interface LocalMaximaOptions {
  /** Keep maxima whose value is at least this. Default 0.5 (half the peak of a density map). */
  threshold?: number;
  /**
   * Half-size of the neighbourhood a maximum must dominate, and the least distance between two
   * maxima (Chebyshev, per axis): a number, or `{ z, xy }` for anisotropic data. Default 1 (3×3×3).
   */
  minDistance?: number | { z: number; xy: number };
  /** Neighbourhood as odd box sizes `[z, y, x]` instead of `minDistance`. */
  footprint?: readonly [number, number, number];
  /** Drop maxima closer than this to the volume's border (voxels; `{ z, xy }` allowed). Default 0. */
  excludeBorder?: number | { z: number; xy: number };
  /** Sub-voxel refinement. Default `'parabola'`. */
  refine?: RefineMethod;
  /** Also fit a Gaussian spot (size, amplitude, background) at each maximum. Default false. */
  fitGaussian?: boolean;
}

const NEIGHBOURS: [number, number, number][] = [];
for (let a = -1; a <= 1; a++)
  for (let b = -1; b <= 1; b++) for (let c = -1; c <= 1; c++) if (a || b || c) NEIGHBOURS.push([a, b, c]);

/**
 * Local maxima of a 3D volume: voxels at least `threshold` and not below any voxel within
 * `minDistance` (a box, per axis). A plateau of equal connected maxima gives one detection at its
 * centroid; of two equal maxima closer than `minDistance`, the first in raster order is kept.
 * Positions are refined to sub-voxel precision (per-axis parabola by default, clamped to ±0.5).
 * Results are sorted by score, highest first, ties in (z, y, x) order: deterministic.
 *
 * @example
 * const peaks = localMaxima3D(densityMap, { threshold: 0.4, minDistance: { z: 1, xy: 2 } });
 */
export function localMaxima3D(volume: Volume, options: LocalMaximaOptions = {}): Detection[] {
  const shape = checkVolume(volume);
  const { threshold = 0.5, refine = 'parabola' } = options;
  checkNumber('threshold', threshold, () => true, 'a finite number');
  if (refine !== 'parabola' && refine !== 'centroid' && refine !== 'none') {
    throw new PostprocessError(
      'INVALID_OPTION',
      `refine must be 'parabola', 'centroid' or 'none', got ${JSON.stringify(refine)}`,
    );
  }
  const radii = radiiFrom(options);
  const eb = options.excludeBorder ?? 0;
  const [bz, bxy] = typeof eb === 'number' ? [eb, eb] : [eb.z, eb.xy];
  checkNumber('excludeBorder (z)', bz, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  checkNumber('excludeBorder (xy)', bxy, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  const [Z, Y, X] = shape;
  const data = volume.data;
  const [rz, ry, rx] = radii;
  const isMax = new Uint8Array(data.length);
  const candidates: number[] = [];
  // A voxel at or above the threshold is a maximum when nothing in its box is higher: checked
  // directly, leaving the box at the first higher neighbour (most voxels are left at once).
  for (let z = bz; z < Z - bz; z++) {
    const z0 = Math.max(0, z - rz);
    const z1 = Math.min(Z - 1, z + rz);
    for (let y = bxy; y < Y - bxy; y++) {
      const y0 = Math.max(0, y - ry);
      const y1 = Math.min(Y - 1, y + ry);
      for (let x = bxy; x < X - bxy; x++) {
        const i = (z * Y + y) * X + x;
        const v = data[i] as number;
        if (!(v >= threshold)) continue;
        const x0 = Math.max(0, x - rx);
        const x1 = Math.min(X - 1, x + rx);
        let ok = true;
        for (let a = z0; a <= z1 && ok; a++)
          for (let b = y0; b <= y1 && ok; b++) {
            const row = (a * Y + b) * X;
            for (let c = x0; c <= x1; c++) {
              if ((data[row + c] as number) > v) {
                ok = false;
                break;
              }
            }
          }
        if (ok) {
          isMax[i] = 1;
          candidates.push(i);
        }
      }
    }
  }
  // Plateaus: connected (26-neighbourhood) maxima of equal value become one detection.
  const groups: { voxels: number[]; value: number }[] = [];
  const seen = new Uint8Array(data.length);
  for (const start of candidates) {
    if (seen[start]) continue;
    const value = data[start] as number;
    const voxels = [start];
    seen[start] = 1;
    for (let k = 0; k < voxels.length; k++) {
      const i = voxels[k] as number;
      const z = Math.floor(i / (Y * X));
      const y = Math.floor((i % (Y * X)) / X);
      const x = i % X;
      for (const [a, b, c] of NEIGHBOURS) {
        const [zz, yy, xx] = [z + a, y + b, x + c];
        if (zz < 0 || yy < 0 || xx < 0 || zz >= Z || yy >= Y || xx >= X) continue;
        const j = (zz * Y + yy) * X + xx;
        if (!seen[j] && isMax[j] && data[j] === value) {
          seen[j] = 1;
          voxels.push(j);
        }
      }
    }
    groups.push({ voxels: voxels.sort((a, b) => a - b), value });
  }
  groups.sort((a, b) => b.value - a.value || (a.voxels[0] as number) - (b.voxels[0] as number));
  const kept = suppressTies(groups, shape, radii);
  return kept.map((g) => toDetection(g, volume, shape, refine, options.fitGaussian === true));
}

/** Of maxima closer than the radii (possible only between equal values), keeps the first. */
function suppressTies(
  groups: { voxels: number[]; value: number }[],
  shape: readonly [number, number, number],
  radii: Radii,
): { voxels: number[]; value: number }[] {
  const [, Y, X] = shape;
  const [rz, ry, rx] = radii;
  const cell = [rz + 1, ry + 1, rx + 1];
  const grid = new Map<string, number[][]>();
  const out: { voxels: number[]; value: number }[] = [];
  for (const g of groups) {
    const i = g.voxels[0] as number;
    const p = [Math.floor(i / (Y * X)), Math.floor((i % (Y * X)) / X), i % X] as [number, number, number];
    const c = p.map((v, k) => Math.floor(v / (cell[k] as number)));
    let clash = false;
    for (let a = -1; a <= 1 && !clash; a++)
      for (let b = -1; b <= 1 && !clash; b++)
        for (let d = -1; d <= 1 && !clash; d++) {
          for (const q of grid.get(
            `${(c[0] as number) + a},${(c[1] as number) + b},${(c[2] as number) + d}`,
          ) ?? []) {
            if (
              Math.abs((q[0] as number) - p[0]) <= rz &&
              Math.abs((q[1] as number) - p[1]) <= ry &&
              Math.abs((q[2] as number) - p[2]) <= rx
            ) {
              clash = true;
              break;
            }
          }
        }
    if (clash) continue;
    out.push(g);
    const key = c.join(',');
    const list = grid.get(key);
    if (list) list.push(p);
    else grid.set(key, [p]);
  }
  return out;
}

function toDetection(
  g: { voxels: number[]; value: number },
  volume: Volume,
  shape: [number, number, number],
  refine: RefineMethod,
  fit: boolean,
): Detection {
  const [, Y, X] = shape;
  const coords = g.voxels.map(
    (i) => [Math.floor(i / (Y * X)), Math.floor((i % (Y * X)) / X), i % X] as [number, number, number],
  );
  let pos: [number, number, number];
  let voxel = coords[0] as [number, number, number];
  if (coords.length > 1) {
    pos = [0, 1, 2].map((k) => coords.reduce((s, c) => s + (c[k] as number), 0) / coords.length) as [
      number,
      number,
      number,
    ];
    // The plateau voxel nearest its centroid stands for it (fits start there).
    voxel = coords.reduce((best, c) =>
      (c[0] - pos[0]) ** 2 + (c[1] - pos[1]) ** 2 + (c[2] - pos[2]) ** 2 <
      (best[0] - pos[0]) ** 2 + (best[1] - pos[1]) ** 2 + (best[2] - pos[2]) ** 2
        ? c
        : best,
    );
    if (refine === 'none') pos = [...voxel];
  } else {
    const off = subVoxelOffset(volume.data, shape, voxel[0], voxel[1], voxel[2], refine);
    pos = [voxel[0] + off[0], voxel[1] + off[1], voxel[2] + off[2]];
  }
  const d: Detection = { x: pos[2], y: pos[1], z: pos[0], score: g.value };
  if (fit) {
    const f = fitGaussian(volume.data, shape, voxel, pos);
    if (f) d.fit = f;
  }
  return d;
}
