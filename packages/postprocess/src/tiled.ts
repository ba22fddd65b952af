import { createVolume, cropVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { PostprocessError } from './errors';
import { checkVolume } from './input';

/** Options of {@link predictTiled}. */
export interface PredictTiledOptions {
  /** Tile size `[z, y, x]` (clipped to the volume). Default `[16, 256, 256]`. */
  tile?: Vec3;
  /**
   * Context voxels on each side of a tile whose prediction is discarded (a number or `[z, y, x]`);
   * at least the network's receptive-field radius for the result to equal whole-volume prediction.
   * Default `[4, 16, 16]`.
   */
  overlap?: number | Vec3;
  /**
   * Tile origins are multiples of this (per axis), for networks whose output depends on the input's
   * alignment to their downsampling (e.g. 4 for two stride-2 steps). Default 1.
   */
  align?: number | Vec3;
  /**
   * Tiles in flight at once (for a `predictTile` that runs elsewhere, e.g. a pool of worker
   * threads: give it the pool's size). Default 1.
   */
  concurrency?: number;
  /**
   * Predict only this region (`start`, `size`, `[z, y, x]`), the rest of the volume serving as
   * context; the result is 0 outside it. Default the whole volume.
   */
  region?: { start: Vec3; size: Vec3 };
  /** Called after each tile. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Stops between tiles. */
  signal?: AbortSignal;
}

/** Predicts one tile: a float32 volume in, a same-shaped map out (typed array or Volume). */
export type PredictTile = (
  tile: Volume<Float32Array>,
) => Float32Array | Volume | Promise<Float32Array | Volume>;

const triple = (v: number | Vec3, name: string, min: number): [number, number, number] => {
  const t = typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || t.some((n) => !Number.isInteger(n) || n < min)) {
    throw new PostprocessError(
      'INVALID_OPTION',
      `${name} must be an integer >= ${min} or [z, y, x] of them, got ${JSON.stringify(v)}`,
    );
  }
  return t as [number, number, number];
};

type Plan = { start: number; coreFrom: number; coreTo: number };

/**
 * Start positions of the tiles along one axis, and the core each one writes: cores cover `from .. to`
 * (default the whole axis), tiles take their context from either side of it. Starts are multiples of
 * `align`; where `n` is not, but the tile is, the last tile ends at `n` rounded up to `align` (its
 * part beyond the volume zeros, as a whole pass pads), so that it too is aligned; otherwise it is
 * shifted inward to end at `n`.
 */
export function tilePlan(
  n: number,
  tile: number,
  overlap: number,
  align: number,
  from = 0,
  to = n,
): { start: number; coreFrom: number; coreTo: number }[] {
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= n))
    throw new PostprocessError('INVALID_OPTION', `region ${from}..${to} is not inside 0..${n}`);
  const size = Math.min(tile, n);
  if (size === n) return [{ start: 0, coreFrom: from, coreTo: to }];
  const step = size - 2 * overlap;
  if (step < align || step < 1) {
    throw new PostprocessError(
      'INVALID_OPTION',
      `tile ${tile} leaves no core after discarding ${overlap} context voxels on each side (alignment ${align}); use a larger tile or a smaller overlap`,
    );
  }
  // The far end the tiles may reach: n, or n padded to a multiple of align as a whole pass pads it.
  const end = size % align === 0 ? Math.ceil(n / align) * align : n;
  const plan: { start: number; coreFrom: number; coreTo: number }[] = [];
  let coreFrom = from;
  while (coreFrom < to) {
    // The tile reaches `overlap` before its core, aligned down; at the far end it is shifted inward
    // to end at `end`.
    let start = Math.max(0, coreFrom - overlap);
    start -= start % align;
    if (start + size > end) start = end - size;
    const coreTo = start + size >= end ? to : Math.min(to, start + size - overlap);
    if (coreTo <= coreFrom)
      throw new PostprocessError(
        'INVALID_OPTION',
        `tile ${tile} with overlap ${overlap} and alignment ${align} cannot cover ${n} voxels`,
      );
    plan.push({ start, coreFrom, coreTo });
    coreFrom = coreTo;
  }
  return plan;
}

/** The region `start .. start + size` of `volume`, zeros where it reaches beyond the volume's far end. */
function cropWithZeros(volume: Volume<Float32Array>, start: Vec3, size: Vec3): Volume<Float32Array> {
  const [Z, Y, X] = volume.shape;
  if (start[0] + size[0] <= Z && start[1] + size[1] <= Y && start[2] + size[2] <= X)
    return cropVolume(volume, start, size) as Volume<Float32Array>;
  const out = new Float32Array(size[0] * size[1] * size[2]);
  const width = Math.min(size[2], X - start[2]);
  for (let z = 0; z < Math.min(size[0], Z - start[0]); z++)
    for (let y = 0; y < Math.min(size[1], Y - start[1]); y++) {
      const from = ((start[0] + z) * Y + start[1] + y) * X + start[2];
      out.set(volume.data.subarray(from, from + width), (z * size[1] + y) * size[2]);
    }
  return createVolume(out, size, volume.voxelSize);
}

/**
 * Predicts a volume tile by tile and stitches the results: each tile carries `overlap` voxels of
 * context on every inner side, and only its core is kept, so for a fully convolutional network whose
 * receptive-field radius is at most `overlap` (and tile origins aligned to its downsampling) the
 * result equals predicting the whole volume at once. Tiles keep one shape (shifted inward at the
 * borders), so a model sees a fixed input size; memory beyond the output is one tile.
 *
 * @example
 * const map = await predictTiled(volume, (t) => model.predictVolume(t), { tile: [10, 128, 128], overlap: [4, 16, 16], align: [1, 4, 4] });
 */
export async function predictTiled(
  volume: Volume,
  predictTile: PredictTile,
  options: PredictTiledOptions = {},
): Promise<Volume<Float32Array>> {
  const shape = checkVolume(volume);
  if (typeof predictTile !== 'function')
    throw new PostprocessError('INVALID_OPTION', 'predictTile must be a function');
  const tile = triple(options.tile ?? [16, 256, 256], 'tile', 1);
  const overlap = triple(options.overlap ?? [4, 16, 16], 'overlap', 0);
  const align = triple(options.align ?? 1, 'align', 1);
  const region = options.region ?? { start: [0, 0, 0] as Vec3, size: shape };
  const plans = [0, 1, 2].map((a) => {
    const from = region.start?.[a] as number;
    const to = from + (region.size?.[a] as number);
    if (
      !(
        Number.isInteger(from) &&
        Number.isInteger(to) &&
        from >= 0 &&
        to > from &&
        to <= (shape[a] as number)
      )
    )
      throw new PostprocessError(
        'INVALID_OPTION',
        `region must lie inside the ${shape.join('×')} volume with a positive size, got ${JSON.stringify(options.region)}`,
      );
    return tilePlan(
      shape[a] as number,
      tile[a] as number,
      overlap[a] as number,
      align[a] as number,
      from,
      to,
    );
  });
  const [pz, py, px] = plans as [
    ReturnType<typeof tilePlan>,
    ReturnType<typeof tilePlan>,
    ReturnType<typeof tilePlan>,
  ];
  const [Z, Y, X] = shape;
  const out = new Float32Array(Z * Y * X);
  const input =
    volume.data instanceof Float32Array
      ? (volume as Volume<Float32Array>)
      : createVolume(Float32Array.from(volume.data), shape, volume.voxelSize);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new PostprocessError(
      'INVALID_OPTION',
      `concurrency must be a positive integer, got ${JSON.stringify(options.concurrency)}`,
    );
  const tiles = pz.flatMap((a) => py.flatMap((b) => px.map((c) => [a, b, c] as const)));
  const total = tiles.length;
  const size: Vec3 = [Math.min(tile[0], Z), Math.min(tile[1], Y), Math.min(tile[2], X)];
  let done = 0;
  let next = 0;
  const runOne = async (a: Plan, b: Plan, c: Plan): Promise<void> => {
    const piece = cropWithZeros(input, [a.start, b.start, c.start], size);
    const result = await predictTile(piece);
    const data = ArrayBuffer.isView(result) ? result : result?.data;
    if (!data || data.length !== piece.data.length) {
      throw new PostprocessError(
        'TILE_OUTPUT',
        `predictTile returned ${data ? `${data.length} values` : String(result)} for a ${size.join('×')} tile; expected ${piece.data.length}`,
      );
    }
    for (let z = a.coreFrom; z < a.coreTo; z++)
      for (let y = b.coreFrom; y < b.coreTo; y++) {
        const from = ((z - a.start) * size[1] + (y - b.start)) * size[2] + (c.coreFrom - c.start);
        out.set(data.subarray(from, from + (c.coreTo - c.coreFrom)), (z * Y + y) * X + c.coreFrom);
      }
    options.onProgress?.({ done: ++done, total });
  };
  // Each lane takes the next tile until none is left; the first failure stops every lane.
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < total && !failed) {
      options.signal?.throwIfAborted();
      const [a, b, c] = tiles[next++] as readonly [Plan, Plan, Plan];
      try {
        await runOne(a, b, c);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return createVolume(out, shape, volume.voxelSize);
}
