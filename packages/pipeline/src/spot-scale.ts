import type { ModelMetadata } from '@dmdet/model';
import {
  BACKGROUND_DEFAULTS,
  drawBelowClip,
  estimateSpotSize,
  type InputNormalization,
  isIdentity,
  type MissingVoxels,
  type Resampling,
  resampleVolume,
  resamplingFor,
  type SpotSize,
  type SpotSizeEstimate,
  spotScaleFactors,
  withMissing,
} from '@dmdet/preprocess';
import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { PipelineError } from './errors';

/**
 * Fewer fits than this behind an estimated spot size (`SpotSizeEstimate.spots`, the fits of the
 * most populated cluster of sizes) draw a warning: so few fits fix the size less surely
 * (`SpotSizeEstimate.uncertainty`), and a cluster of a few blobs or grains of alike size could pass
 * for spots. In a
 * tissue-like probe with 12 unannotated blobs (`tools/analysis/tissue-probe.ts`) the right
 * estimates at SNR 4 rested on 7–28 fits.
 */
const FEW_SPOTS = 10;

/** A spot size given by the user: σ of a spot in voxels, or in µm (`unit: 'um'`) with a voxel size. */
export interface SpotSizeOption {
  xy: number;
  z: number;
  /** Default `'voxel'`. */
  unit?: 'voxel' | 'um';
}

/** The spot size detection used, and where it came from. */
export interface UsedSpotSize extends SpotSize {
  /** `'given'` (the `spotSize` option), `'estimated'` (from the volume), or `'model'` (none could be estimated: taken as the model's own). */
  source: 'given' | 'estimated' | 'model';
  /** Bright candidates the estimate looked at (with `'estimated'` or `'model'`). */
  candidates?: number;
  /** Fits the estimate rests on (with `'estimated'`): `SpotSizeEstimate.spots`. */
  spots?: number;
}

/** The spot size and resampling of one volume for a model with a spot scale. */
export interface SpotScalePlan {
  spotSize: UsedSpotSize;
  /** Zoom `[z, y, x]` applied before the network (1 = as is). */
  factors: Vec3;
  resampling: Resampling;
  warnings: string[];
}

/** A spot size in voxels from a {@link SpotSizeOption}. */
export function spotSizeInVoxels(option: SpotSizeOption, voxelSize: Vec3 | undefined): SpotSize {
  for (const k of ['xy', 'z'] as const) {
    const v = option?.[k];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new PipelineError(
        'INVALID_OPTION',
        `spotSize.${k} must be a spot σ > 0 (${option?.unit === 'um' ? 'µm' : 'voxels'}), got ${JSON.stringify(v)}`,
      );
  }
  if (option.unit === undefined || option.unit === 'voxel') return { xy: option.xy, z: option.z };
  if (option.unit !== 'um')
    throw new PipelineError(
      'INVALID_OPTION',
      `spotSize.unit must be 'voxel' or 'um', got ${JSON.stringify(option.unit)}`,
    );
  if (!voxelSize)
    throw new PipelineError(
      'INVALID_OPTION',
      'a spot size in µm needs the voxel size: the file has none; give it (voxelSize, CLI --voxel-size z,y,x) or give the spot size in voxels',
    );
  return { xy: option.xy / voxelSize[2], z: option.z / voxelSize[0] };
}

/**
 * The spot size of a volume for a model at spot scale `scale`: `given` (voxels) when there is one,
 * else estimated from the volume (`estimateSpotSize`), else (no bright isolated spots) the model's
 * own, with where it came from. `detect` and `trainDetector` both decide with it.
 */
export function spotSizeOf(volume: Volume, scale: SpotSize, given?: SpotSize): UsedSpotSize {
  if (given) return { xy: given.xy, z: given.z, source: 'given' };
  return usedEstimate(estimateSpotSize(volume), scale);
}

/**
 * The spot size detection uses given an estimate (`estimateSpotSize`): the estimate where there is
 * one (with a z: more than one slice), else the model's own scale.
 */
export function usedEstimate(estimate: SpotSizeEstimate | undefined, scale: SpotSize): UsedSpotSize {
  if (estimate && Number.isFinite(estimate.z))
    return {
      xy: estimate.xy,
      z: estimate.z,
      source: 'estimated',
      candidates: estimate.candidates,
      spots: estimate.spots,
    };
  return { xy: scale.xy, z: scale.z, source: 'model', candidates: estimate?.candidates ?? 0 };
}

const fmt = (s: SpotSize) => `σxy ${s.xy.toFixed(2)} px, σz ${s.z.toFixed(2)} slices`;

/**
 * Decides how a volume is brought to a model's spot scale (`metadata.spotScale`): the spot size is
 * the one given, else estimated from the volume (`estimateSpotSize`), else (no bright spots) taken
 * as the model's; the zoom is `spotScaleFactors` of it. Warns when the size lies outside the range
 * the model was trained on (`metadata.spotRange`), and when an estimate rests on fewer than 10
 * fits. Without a spot scale in the metadata, a given
 * spot size is refused (the model does not say what size it knows) and nothing is resampled.
 */
export function planSpotScale(
  volume: Volume,
  metadata: ModelMetadata,
  given: SpotSizeOption | undefined,
  voxelSize: Vec3 | undefined,
): SpotScalePlan | undefined {
  const scale = metadata.spotScale;
  if (!scale) {
    if (given)
      throw new PipelineError(
        'INVALID_OPTION',
        "this model does not record the spot size it was trained at (no spotScale in its metadata), so it cannot be resampled to it; use the built-in 'default' model or leave spotSize out",
      );
    return undefined;
  }
  const warnings: string[] = [];
  const spotSize = spotSizeOf(volume, scale, given ? spotSizeInVoxels(given, voxelSize) : undefined);
  if (spotSize.source === 'model')
    warnings.push(
      `could not estimate the spot size (too few bright, isolated spots); assumed the model's own (${fmt(scale)}). If your spots are another size, give it: --spot-size xy,z (voxels) or --spot-size-um xy,z`,
    );
  const few = spotSize.spots ?? 0;
  if (spotSize.source === 'estimated' && few < FEW_SPOTS)
    warnings.push(
      `the spot size (${fmt(spotSize)}) was estimated from only ${few} spots; a few blobs or grains of alike size can pass for spots. If your spots are another size, give it: --spot-size xy,z (voxels) or --spot-size-um xy,z`,
    );
  const range = metadata.spotRange;
  if (range && spotSize.source !== 'model') {
    const outside =
      spotSize.xy < range.xy[0] ||
      spotSize.xy > range.xy[1] ||
      spotSize.z < range.z[0] ||
      spotSize.z > range.z[1];
    if (outside)
      warnings.push(
        `the ${spotSize.source} spot size (${fmt(spotSize)}) is outside what the model was trained on (σxy ${range.xy[0]}–${range.xy[1]} px, σz ${range.z[0]}–${range.z[1]} slices); results may be poor${spotSize.source === 'estimated' ? '; if the estimate is wrong, give the size with --spot-size' : ''}`,
      );
  }
  const factors = spotScaleFactors(spotSize, scale);
  return { spotSize, factors, resampling: resamplingFor(volume.shape, factors), warnings };
}

/** Whether a plan changes the volume. */
export function resamples(plan: SpotScalePlan | undefined): plan is SpotScalePlan {
  return plan !== undefined && !isIdentity(plan.resampling);
}

/**
 * log2 of a resampling's zoom: the ratio of voxel counts after and before (2: twice as many voxels),
 * what a threshold rule's `zoomSlope` multiplies.
 */
export function logZoom(resampling: Resampling): number {
  return [0, 1, 2].reduce(
    (sum, k) => sum + Math.log2((resampling.to[k] as number) / (resampling.from[k] as number)),
    0,
  );
}

/**
 * A volume resampled by `resampling` for a model whose input transform is `normalization`, as
 * detection and training both take it. With the `'background'` transform, a stack clipped from
 * below has its clipped voxels drawn first (`drawBelowClip`, on the transform's block in this
 * volume's own voxels): interpolation would mix them with their neighbours, and the transform could
 * no longer read the clip. `clipped` says what was drawn, where it was. With `missing`
 * (`missingVoxels` of the volume), those voxels are left out of that drawing, resampled as the
 * median of the data (`fill`), and are NaN in the result wherever they make up half or more of a
 * resampled voxel.
 */
export function resampleForModel(
  volume: Volume,
  resampling: Resampling,
  normalization: InputNormalization,
  missing?: MissingVoxels,
): { volume: Volume<Float32Array>; clipped?: { value: number; fraction: number } } {
  const withNaN = missing ? withMissing(volume, missing, 'nan') : volume;
  const drawn =
    normalization.method === 'background'
      ? drawBelowClip(
          withNaN,
          blockBeforeResampling(normalization.block ?? BACKGROUND_DEFAULTS.block, resampling),
        )
      : undefined;
  const source = drawn?.volume ?? withNaN;
  const out = resampleVolume(missing ? withMissing(source, missing, 'fill') : source, resampling);
  if (missing) {
    const mask = createVolume(Float32Array.from(missing.mask), volume.shape);
    const share = resampleVolume(mask, resampling).data;
    for (let i = 0; i < share.length; i++) if ((share[i] as number) >= 0.5) out.data[i] = Number.NaN;
  }
  return { volume: out, ...(drawn?.clipped ? { clipped: drawn.clipped } : {}) };
}

/** A block (voxels after `resampling`) in the voxels of the volume before it. */
function blockBeforeResampling(block: Vec3, resampling: Resampling): Vec3 {
  const at = (k: number) =>
    Math.max(1, ((block[k] as number) * (resampling.from[k] as number)) / (resampling.to[k] as number));
  return [at(0), at(1), at(2)];
}
