import type { BrightPass, ModelMetadata } from '@dmdet/model';
import type { Vec3 } from '@dmdet/volume-io';
import { DEFAULT_MAX_TILE_VOXELS } from './tiles';

/** Default memory bound of `dmdet detect` and {@link detectInBlocks}: 1.5 GiB. */
export const DEFAULT_MAX_MEMORY = 1536 * 2 ** 20;

/**
 * What detection holds resident, measured with the built-in model on wasm (peak RSS of `dmdet detect`
 * on 4×64×64, 10×512×512 and 32×1024×1024 with 1 and 2 workers, docs/performance.md; the tile's
 * bytes per voxel re-measured with @dmdet/model's own wasm convolution kernels, which hold no padded
 * or shifted copies: 140, planned as 160): the process
 * itself (Node, tfjs, the model), each worker thread (its own isolate, wasm backend and model), each
 * voxel of a tile a worker predicts (activations; the wasm heap never shrinks), and each voxel of the
 * volume or block held on the main thread (as read, as float, normalised, and its map). With
 * test-time flips (`flips` > 1), each tile being predicted also holds on the main thread, per voxel,
 * its flipped copies and the maps coming back (`flipBytesPerVoxelPerMap` per flip) and the float64
 * sum and the mean (`flipSumBytesPerVoxel`): 48 bytes per voxel at 4 flips, where 10×512×512 measured
 * 44 (peak RSS of `dmdet detect` 891 MiB at 4 flips against 781 at one map, docs/performance.md).
 * A model whose detection can predict a second map of the volume while holding the first (its
 * threshold rule's decoy term: the input negated and its map; its bright pass: a second input and
 * its map) holds `secondMapBytesPerVoxel` more per voxel held ({@link holdsSecondMap}).
 */
export const MEMORY_MODEL = {
  processBytes: 60 * 2 ** 20,
  workerBytes: 140 * 2 ** 20,
  tileBytesPerVoxel: 160,
  volumeBytesPerVoxel: 16,
  secondMapBytesPerVoxel: 8,
  flipBytesPerVoxelPerMap: 8,
  flipSumBytesPerVoxel: 16,
} as const;

/**
 * Whether detecting with `metadata`'s model and these options may predict a second map of the
 * volume while holding the first: the threshold rule's decoy term (unless `decoy: false` or a
 * `threshold` is given) or a bright pass (the model's or the option's, unless `brightPass: false` or
 * an `inputKnee` is given). Such detection holds {@link MEMORY_MODEL}'s `secondMapBytesPerVoxel`
 * more per voxel held.
 *
 * @example
 * holdsSecondMap(model.metadata, { decoy: false }); // true where the model has a bright pass
 */
export function holdsSecondMap(
  metadata: Pick<ModelMetadata, 'thresholdRule' | 'brightPass'>,
  options: {
    decoy?: boolean;
    threshold?: number;
    brightPass?: BrightPass | false;
    inputKnee?: number;
  } = {},
): boolean {
  const decoy =
    metadata.thresholdRule?.decoy !== undefined && options.decoy !== false && options.threshold === undefined;
  const bright =
    options.brightPass !== false &&
    (options.brightPass ?? metadata.brightPass) !== undefined &&
    options.inputKnee === undefined;
  return decoy || bright;
}

/** Main-thread bytes per voxel of a tile being predicted with `flips` maps averaged (0 for one map). */
function flipBytesPerVoxel(flips: number): number {
  const m = MEMORY_MODEL;
  return flips > 1 ? flips * m.flipBytesPerVoxelPerMap + m.flipSumBytesPerVoxel : 0;
}

/** Smallest tile {@link tileVoxelsForMemory} chooses (below it the context around each tile costs more than the tile). */
export const MIN_BUDGET_TILE_VOXELS = 2 ** 19;

/** The share of the bound the model plans for, leaving room for what it does not count. */
const HEADROOM = 0.92;

/**
 * Estimated peak resident bytes of detecting in `heldVoxels` with `workers` workers each predicting
 * tiles of `tileVoxels`, averaging `flips` maps of each (default 1), with a second map of the volume
 * held beside the first where `secondMap` ({@link holdsSecondMap}; default false).
 */
export function detectionMemory(
  heldVoxels: number,
  tileVoxels: number,
  workers: number,
  flips = 1,
  secondMap = false,
): number {
  const w = Math.max(1, workers);
  const m = MEMORY_MODEL;
  return (
    m.processBytes +
    (workers > 0 ? w * m.workerBytes : 0) +
    heldVoxels * (m.volumeBytesPerVoxel + (secondMap ? m.secondMapBytesPerVoxel : 0)) +
    w * tileVoxels * (m.tileBytesPerVoxel + flipBytesPerVoxel(flips))
  );
}

/**
 * The largest tile (voxels, at most {@link DEFAULT_MAX_TILE_VOXELS}) that keeps detection holding
 * `heldVoxels` with `workers` workers (0: prediction on the main thread), averaging `flips` maps
 * (default 1), a second map of the volume held where `secondMap` ({@link holdsSecondMap}), within
 * `maxMemory` bytes by {@link MEMORY_MODEL}; never below
 * {@link MIN_BUDGET_TILE_VOXELS}, so `fits` says whether the bound is kept.
 *
 * @example
 * tileVoxelsForMemory(32 * 626 * 626, 2, 1024 * 2 ** 20); // { tileVoxels: ≈1.35 M, fits: true, … }
 */
export function tileVoxelsForMemory(
  heldVoxels: number,
  workers: number,
  maxMemory: number = DEFAULT_MAX_MEMORY,
  flips = 1,
  secondMap = false,
): { tileVoxels: number; fits: boolean; estimate: number } {
  const w = Math.max(1, workers);
  const free = HEADROOM * maxMemory - detectionMemory(heldVoxels, 0, workers, 1, secondMap);
  const perVoxel = w * (MEMORY_MODEL.tileBytesPerVoxel + flipBytesPerVoxel(flips));
  const tileVoxels = Math.max(
    MIN_BUDGET_TILE_VOXELS,
    Math.min(DEFAULT_MAX_TILE_VOXELS, Math.floor(free / perVoxel)),
  );
  const estimate = detectionMemory(heldVoxels, tileVoxels, workers, flips, secondMap);
  return { tileVoxels, fits: estimate <= maxMemory, estimate };
}

/** Voxels of a block with its margin of context on every side (clipped to the volume). */
export function blockVoxels(block: Vec3, margin: Vec3, shape: Vec3): number {
  return [0, 1, 2].reduce(
    (n, k) => n * Math.min(shape[k] as number, (block[k] as number) + 2 * (margin[k] as number)),
    1,
  );
}
