import { type HourglassConfig, hourglassGeometry, predictVolume } from '@dmdet/model';
import { predictTiled } from '@dmdet/postprocess';
import type { Vec3, Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { PipelineError } from './errors';

/** What {@link measureContext} found: the context tiles need, and how close they then come to one whole pass. */
export interface ContextMeasurement {
  /** Context per side `[z, y, x]` (voxels); an axis too short to test keeps the receptive radius. */
  radius: [number, number, number];
  /** The tolerance it was measured at (largest |Δmap| allowed). */
  tolerance: number;
  /** The largest |Δmap| seen with `radius` on the probes (NaN when no axis could be tested). */
  maxDifference: number;
  /** Probe regions compared (0 when every volume is too small to test any axis). */
  probes: number;
}

/** Options of {@link measureContext}. */
export interface MeasureContextOptions {
  /** The model's network config (for its receptive radius and alignment). Default the default config. */
  config?: HourglassConfig;
  /** Largest |Δmap| allowed between a tile's core and one whole pass. Default {@link DEFAULT_CONTEXT_TOLERANCE}. */
  tolerance?: number;
  /** Size `[z, y, x]` of the region probed in each volume (its centre). Default `[8, 32, 32]`. */
  probe?: Vec3;
  /** Fractions of the receptive radius tried, largest first. Default 0.9, 0.8, …, 0.3. */
  fractions?: readonly number[];
}

/** The default tolerance of {@link measureContext}: 1e-4 of a map that lies in 0–1 (thresholds are about 0.5–0.75). */
export const DEFAULT_CONTEXT_TOLERANCE = 1e-4;

const DEFAULT_FRACTIONS = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

/**
 * Measures how much context a model's tiles need: the network's receptive radius bounds it, but
 * what reaches a map value from far away is usually far below what matters. Each volume (normalised
 * as the model expects, at its scale) is predicted whole; then its central `probe` region is
 * predicted as tiles with less and less context (fractions of the receptive radius, per axis), and
 * the smallest context at which this and every larger one tried stay within `tolerance` of the whole
 * pass is returned. Axes too short to hold the probe and the full radius on both sides keep the full
 * radius: the axes measured are those of the volumes with room on the most axes, and volumes without
 * room on them are left out (e.g. the small ones of a mixed validation set). A model with per-tile instance statistics (not frozen) usually needs it all: tiles differ
 * from one pass by more than the tolerance whatever the context.
 *
 * @example
 * const context = await measureContext(model, [normalizeInput(volume, metadata.normalization)], { config: metadata.config });
 * // context.radius: e.g. [17, 24, 24] against a receptive radius of [17, 33, 33]
 */
export async function measureContext(
  model: LayersModel,
  volumes: readonly Volume<Float32Array>[],
  options: MeasureContextOptions = {},
): Promise<ContextMeasurement> {
  const tolerance = options.tolerance ?? DEFAULT_CONTEXT_TOLERANCE;
  if (!(tolerance > 0))
    throw new PipelineError('INVALID_OPTION', `tolerance must be a positive number, got ${tolerance}`);
  if (!Array.isArray(volumes) || volumes.length === 0)
    throw new PipelineError('INVALID_INPUT', 'measureContext needs at least one volume');
  const { multiple, receptiveRadius } = hourglassGeometry(options.config ?? {});
  const probe = options.probe ?? [8, 32, 32];
  const fractions = [...(options.fractions ?? DEFAULT_FRACTIONS)].sort((a, b) => b - a);
  if (fractions.some((f) => !(f > 0 && f < 1)))
    throw new PipelineError(
      'INVALID_OPTION',
      `fractions must lie in (0, 1), got ${JSON.stringify(fractions)}`,
    );
  const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
  // Per volume: the probed region (centred, aligned) and which axes leave room for the full radius.
  const cases = volumes.map((volume) => {
    const shape = volume.shape;
    const size = [0, 1, 2].map((k) =>
      Math.min(shape[k] as number, roundUp(probe[k] as number, multiple[k] as number)),
    ) as unknown as Vec3;
    const start = [0, 1, 2].map((k) => {
      const free = (shape[k] as number) - (size[k] as number);
      const s = Math.floor(free / 2);
      return s - (s % (multiple[k] as number));
    }) as unknown as Vec3;
    const room = [0, 1, 2].map(
      (k) =>
        (start[k] as number) >= (receptiveRadius[k] as number) + (multiple[k] as number) &&
        (shape[k] as number) - (start[k] as number) - (size[k] as number) >= (receptiveRadius[k] as number),
    );
    return { volume, region: { start, size }, room };
  });
  // The axes measured: those of the volume(s) leaving room on the most axes (ties: the set most
  // volumes share); volumes without room on one of them are left out.
  const covers = (a: boolean[], b: boolean[]) => b.every((r, k) => !r || a[k]);
  let measured = [false, false, false];
  let users = 0;
  for (const c of cases) {
    const n = cases.filter((o) => covers(o.room, c.room)).length;
    const axes = c.room.filter(Boolean).length;
    const most = measured.filter(Boolean).length;
    if (axes > most || (axes === most && n > users)) {
      measured = c.room;
      users = n;
    }
  }
  if (!measured.some(Boolean))
    return { radius: [...receptiveRadius], tolerance, maxDifference: Number.NaN, probes: 0 };
  const probes = cases.filter((c) => covers(c.room, measured));
  const wholes = new Map<Volume, Float32Array>();
  const differenceAt = async (radius: Vec3): Promise<number> => {
    let worst = 0;
    for (const { volume, region } of probes) {
      let whole = wholes.get(volume);
      if (!whole) {
        whole = (await predictVolume(model, volume)).data;
        wholes.set(volume, whole);
      }
      const tile = [0, 1, 2].map((k) =>
        Math.min(
          volume.shape[k] as number,
          roundUp((region.size[k] as number) + 2 * (radius[k] as number), multiple[k] as number) +
            (multiple[k] as number),
        ),
      ) as unknown as Vec3;
      const tiled = await predictTiled(volume, (t) => predictVolume(model, t), {
        tile,
        overlap: radius,
        align: multiple,
        region,
      });
      const [, Y, X] = volume.shape;
      for (let z = region.start[0]; z < region.start[0] + region.size[0]; z++)
        for (let y = region.start[1]; y < region.start[1] + region.size[1]; y++)
          for (let x = region.start[2]; x < region.start[2] + region.size[2]; x++) {
            const i = (z * Y + y) * X + x;
            const d = Math.abs((tiled.data[i] as number) - (whole[i] as number));
            if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
          }
    }
    return worst;
  };
  let best: [number, number, number] = [...receptiveRadius];
  let bestDifference = await differenceAt(best);
  if (bestDifference <= tolerance) {
    for (const f of fractions) {
      const radius = [0, 1, 2].map((k) =>
        measured[k]
          ? Math.max(1, Math.ceil(f * (receptiveRadius[k] as number)))
          : (receptiveRadius[k] as number),
      ) as [number, number, number];
      if (radius.every((r, k) => r === best[k])) continue;
      const d = await differenceAt(radius);
      if (d > tolerance) break;
      best = radius;
      bestDifference = d;
    }
  }
  return { radius: best, tolerance, maxDifference: bestDifference, probes: probes.length };
}
