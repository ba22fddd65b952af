/**
 * The tissue-like scene of `tools/analysis/tissue-probe.ts`, after the issue's real smFISH tissue
 * stacks: the general family's centre moved to 10×200×200, camera offset 2,000, gain 2, read noise 3
 * counts, background 20 photons with a gradient, 8 cells of 4 σ_bg (nuclei 0.6 of that) holding 90 %
 * of the spots, smooth or with a granular `texture`, 12 unannotated blobs (radius 2–5 px, 3–6× the
 * spot amplitude), PSF σxy 1.56 px (the real stacks'), σz 0.9 slice, amplitude spread 0.4, and
 * 30–120 spots (by replicate `k`). Seeds of their own (parent 0x71550e00).
 */
import {
  deriveSeed,
  GENERAL_CENTRE,
  type GeneralParams,
  type GeneralVolume,
  mergeGeneralParams,
  simulateGeneral,
} from '@dmdet/simulate';

/** The scene's true spot σ (voxels). */
export const TISSUE_SIGMA = { xy: 1.56, z: 0.9 } as const;

/**
 * Replicate `k` of the tissue-like scene at local SNR `snr` with granular texture `texture` (0: smooth
 * cells); `level`, the background in photons (default 20), sets how far the shot noise is from normal.
 */
export function tissueVolume(texture: number, snr: number, k: number, level = 20): GeneralVolume {
  const params = scaledTissueParams([10, 200, 200], snr, texture, { level, spots: 30 + ((k * 37) % 90) });
  return simulateGeneral(params, deriveSeed(0x7155_0e00, snr * 10 + k + Math.round(texture * 1000) * 100));
}

/**
 * The scene's parameters over any `shape` (`[z, y, x]`; the scene's own is 10×200×200): its cells
 * (8), blobs (12) and spots (60, the replicates' middle; `spots` to give the count) per 200×200
 * in-plane scaled with the area, cell `texture`, local SNR `snr`, background `level` photons
 * (default 20). For stacks of a user's size (`second-map-memory.ts`, `large-grainy.ts`).
 */
export function scaledTissueParams(
  shape: readonly [number, number, number],
  snr: number,
  texture = 0.3,
  options: { level?: number; spots?: number } = {},
): GeneralParams {
  const area = (shape[1] * shape[2]) / (200 * 200);
  return mergeGeneralParams(GENERAL_CENTRE, {
    shape: [...shape],
    camera: { offset: 2000, gain: 2, readNoise: 3 },
    background: {
      level: options.level ?? 20,
      gradient: 0.5,
      cells: {
        count: Math.round(8 * area),
        radius: 40,
        height: 12,
        brightness: 4,
        nucleusSize: 0.45,
        nucleusBrightness: 0.6,
        texture,
      },
      blobs: { count: Math.round(12 * area), radius: [2, 5], brightness: [3, 6] },
    },
    psf: { sigmaXY: TISSUE_SIGMA.xy, sigmaZ: TISSUE_SIGMA.z },
    spots: { count: options.spots ?? Math.round(60 * area), snr, amplitudeSpread: 0.4, insideCells: 0.9 },
  });
}
