import { median } from '@dmdet/postprocess';
import type { Vec3 } from '@dmdet/volume-io';

/** Where the blocks of one axis start: `n` voxels cut into `blocks` nearly equal runs (`edges[k]..edges[k+1]`). */
export function blockEdges(n: number, blocks: number): Int32Array {
  const edges = new Int32Array(blocks + 1);
  for (let k = 0; k <= blocks; k++) edges[k] = Math.floor((k * n) / blocks);
  return edges;
}

/** How many blocks of about `size` voxels an axis of `n` voxels holds (at least 1). */
export function blockCount(n: number, size: number): number {
  return Math.max(1, Math.round(n / size));
}

/** A grid of per-block values over a volume. */
export interface BlockGrid {
  /** Blocks per axis `[z, y, x]`. */
  blocks: Vec3;
  /** Block edges per axis. */
  edges: [Int32Array, Int32Array, Int32Array];
  /** One value per block, x fastest; NaN where a block has no finite value. */
  values: Float64Array;
}

/** Lays out the block grid of a shape for a block size. */
export function blockGrid(shape: Vec3, size: Vec3): Omit<BlockGrid, 'values'> {
  const blocks: Vec3 = [
    blockCount(shape[0], size[0]),
    blockCount(shape[1], size[1]),
    blockCount(shape[2], size[2]),
  ];
  return {
    blocks,
    edges: [
      blockEdges(shape[0], blocks[0]),
      blockEdges(shape[1], blocks[1]),
      blockEdges(shape[2], blocks[2]),
    ],
  };
}

/**
 * A statistic of the finite values of each block: `stat` gets the block's finite values (a scratch
 * array it may reorder) and returns one number; blocks without finite values get NaN.
 */
export function blockStatistic(
  data: ArrayLike<number>,
  shape: Vec3,
  grid: Omit<BlockGrid, 'values'>,
  stat: (values: Float32Array) => number,
): BlockGrid {
  const [, Y, X] = shape;
  const [bz, by, bx] = grid.blocks;
  const [ez, ey, ex] = grid.edges;
  const values = new Float64Array(bz * by * bx);
  let largest = 0;
  for (let k = 0; k < bz; k++)
    for (let j = 0; j < by; j++)
      for (let i = 0; i < bx; i++)
        largest = Math.max(
          largest,
          ((ez[k + 1] as number) - (ez[k] as number)) *
            ((ey[j + 1] as number) - (ey[j] as number)) *
            ((ex[i + 1] as number) - (ex[i] as number)),
        );
  const scratch = new Float32Array(largest);
  for (let k = 0; k < bz; k++)
    for (let j = 0; j < by; j++)
      for (let i = 0; i < bx; i++) {
        let n = 0;
        for (let z = ez[k] as number; z < (ez[k + 1] as number); z++)
          for (let y = ey[j] as number; y < (ey[j + 1] as number); y++) {
            const row = (z * Y + y) * X;
            for (let x = ex[i] as number; x < (ex[i + 1] as number); x++) {
              const v = data[row + x] as number;
              if (Number.isFinite(v)) scratch[n++] = v;
            }
          }
        values[(k * by + j) * bx + i] = n > 0 ? stat(scratch.subarray(0, n)) : Number.NaN;
      }
  return { ...grid, values };
}

/**
 * The grid with each value replaced by the median of its 3×3 in-plane neighbourhood (same z
 * block), so that one block taken over by a bright object or a cluster does not lift the estimate
 * around it. A neighbour beyond the grid's edge is the point reflection of the one opposite
 * (`2·centre − opposite`), so a linear ramp keeps its values up to the edge; NaN neighbours are
 * left out, and a block with no finite neighbour takes `fallback`.
 */
export function medianSmoothInPlane(grid: BlockGrid, fallback: number): BlockGrid {
  const [bz, by, bx] = grid.blocks;
  const out = new Float64Array(grid.values.length);
  const near = new Float32Array(9);
  const at = (k: number, j: number, i: number) =>
    j < 0 || j >= by || i < 0 || i >= bx ? Number.NaN : (grid.values[(k * by + j) * bx + i] as number);
  for (let k = 0; k < bz; k++)
    for (let j = 0; j < by; j++)
      for (let i = 0; i < bx; i++) {
        const centre = at(k, j, i);
        let n = 0;
        for (let dj = -1; dj <= 1; dj++)
          for (let di = -1; di <= 1; di++) {
            const jj = j + dj;
            const ii = i + di;
            const inside = jj >= 0 && jj < by && ii >= 0 && ii < bx;
            const v = inside ? at(k, jj, ii) : 2 * centre - at(k, j - dj, i - di);
            if (Number.isFinite(v)) near[n++] = v;
          }
        out[(k * by + j) * bx + i] = n > 0 ? median(near.subarray(0, n)) : fallback;
      }
  return { ...grid, values: out };
}

/** Per voxel of one axis: the lower block index and the weight of the upper one (block centres as nodes; linear beyond the outermost). */
function axisWeights(edges: Int32Array, n: number): { lower: Int32Array; weight: Float32Array } {
  const blocks = edges.length - 1;
  const centres = new Float64Array(blocks);
  for (let k = 0; k < blocks; k++) centres[k] = ((edges[k] as number) + (edges[k + 1] as number) - 1) / 2;
  const lower = new Int32Array(n);
  const weight = new Float32Array(n);
  if (blocks === 1) return { lower, weight };
  let k = 0;
  for (let v = 0; v < n; v++) {
    while (k < blocks - 2 && v > (centres[k + 1] as number)) k++;
    lower[v] = k;
    weight[v] = (v - (centres[k] as number)) / ((centres[k + 1] as number) - (centres[k] as number));
  }
  return { lower, weight };
}

/**
 * The grid interpolated to every voxel: trilinear between block centres, extrapolated linearly
 * beyond the outermost centres (half a block at most), so a linear ramp is reproduced exactly.
 */
export function interpolateGrid(grid: BlockGrid, shape: Vec3): Float32Array {
  const [Z, Y, X] = shape;
  const [, by, bx] = grid.blocks;
  const wz = axisWeights(grid.edges[0], Z);
  const wy = axisWeights(grid.edges[1], Y);
  const wx = axisWeights(grid.edges[2], X);
  const g = grid.values;
  const stepZ = grid.blocks[0] > 1 ? by * bx : 0;
  const stepY = by > 1 ? bx : 0;
  const stepX = bx > 1 ? 1 : 0;
  const out = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++) {
    const kz = wz.lower[z] as number;
    const tz = wz.weight[z] as number;
    for (let y = 0; y < Y; y++) {
      const ky = wy.lower[y] as number;
      const ty = wy.weight[y] as number;
      const base = (kz * by + ky) * bx;
      const row = (z * Y + y) * X;
      for (let x = 0; x < X; x++) {
        const kx = wx.lower[x] as number;
        const tx = wx.weight[x] as number;
        const o = base + kx;
        const c00 = (g[o] as number) * (1 - tx) + (g[o + stepX] as number) * tx;
        const c01 = (g[o + stepY] as number) * (1 - tx) + (g[o + stepY + stepX] as number) * tx;
        const c10 = (g[o + stepZ] as number) * (1 - tx) + (g[o + stepZ + stepX] as number) * tx;
        const c11 =
          (g[o + stepZ + stepY] as number) * (1 - tx) + (g[o + stepZ + stepY + stepX] as number) * tx;
        out[row + x] = (c00 * (1 - ty) + c01 * ty) * (1 - tz) + (c10 * (1 - ty) + c11 * ty) * tz;
      }
    }
  }
  return out;
}
