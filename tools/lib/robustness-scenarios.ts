/**
 * The robustness benchmark of the `general` simulation family: named scenarios, each departing from
 * GENERAL_CENTRE in one thing (and one, `combined`, in several), run at local SNR 2 / 4 / 7 on
 * held-out seeds that training must never use.
 *
 * Every scenario, SNR level and replicate r uses the same seed `robustnessSeeds(n)[r]`: the spots
 * (positions, brightness factors) and the cells are then the same across scenarios and SNR levels
 * wherever the scenario does not change them, so scenarios compare paired.
 */
import {
  deriveSeed,
  GENERAL_CENTRE,
  type GeneralOverrides,
  type GeneralParams,
  mergeGeneralParams,
} from '@dmdet/simulate';

/** One named scenario: overrides of GENERAL_CENTRE. */
export interface RobustnessScenario {
  name: string;
  description: string;
  overrides: GeneralOverrides;
}

const CENTRE_COUNT = GENERAL_CENTRE.spots.count;
const CENTRE_SLICES = GENERAL_CENTRE.shape[0];

const camera: GeneralOverrides = { camera: { offset: 2000, gain: 2.5, readNoise: 8 } };
const cells: GeneralOverrides = {
  background: {
    cells: { count: 12, radius: 30, height: 12, brightness: 4, nucleusSize: 0.45, nucleusBrightness: 0.6 },
  },
  spots: { insideCells: 0.8 },
};
const blobs: GeneralOverrides = { background: { blobs: { count: 15, radius: [2, 6], brightness: [3, 20] } } };
const halo: GeneralOverrides = { psf: { halo: { amplitude: 0.3, width: 3 } } };
const clusters: GeneralOverrides = {
  spots: { clusterFraction: 0.3, clusterSize: 4, clusterSpread: 1.5, pairFraction: 0.2 },
};

/** The scenarios, `centre` first. */
export const ROBUSTNESS_SCENARIOS: readonly RobustnessScenario[] = [
  { name: 'centre', description: 'GENERAL_CENTRE itself (the reference)', overrides: {} },
  {
    name: 'camera',
    description: 'sCMOS-like camera: offset 2,000 counts, gain 2.5, read noise 8 counts',
    overrides: camera,
  },
  {
    name: 'cells',
    description: 'cellular autofluorescence: 12 cells at 4 σ_bg with dimmer nuclei, 80 % of spots in cells',
    overrides: cells,
  },
  {
    name: 'blobs',
    description: '15 bright compact blobs (radius 2–6 px, 3–20× the spot amplitude), not annotated',
    overrides: blobs,
  },
  {
    name: 'small-spots',
    description: 'small spots: σxy 0.8, σz 0.8',
    overrides: { psf: { sigmaXY: 0.8, sigmaZ: 0.8 } },
  },
  {
    name: 'large-spots',
    description: 'large spots: σxy 2.5, σz 2.0',
    overrides: { psf: { sigmaXY: 2.5, sigmaZ: 2 } },
  },
  { name: 'halo', description: 'strong halo: 0.3 of the core, 3× as wide', overrides: halo },
  {
    name: 'elongation-tilt',
    description: 'axial tail (0.3, 3× σz, shifted +1 σz) and tilt 0.2 px/slice in x and y',
    overrides: {
      psf: { axialElongation: { amplitude: 0.3, length: 3, offset: 1 }, tilt: { x: 0.2, y: 0.2 } },
    },
  },
  {
    name: 'brightness-spread',
    description: 'spot amplitudes over a decade: lognormal spread 0.7',
    overrides: { spots: { amplitudeSpread: 0.7 } },
  },
  {
    name: 'clusters',
    description: 'clusters (30 % of spots, 4 per cluster) and touching pairs (20 %)',
    overrides: clusters,
  },
  {
    name: 'few-slices',
    description: '6 slices (same density: 75 spots)',
    overrides: { shape: [6, 256, 256], spots: { count: Math.round((CENTRE_COUNT * 6) / CENTRE_SLICES) } },
  },
  {
    name: 'many-slices',
    description: '40 slices (same density: 500 spots)',
    overrides: { shape: [40, 256, 256], spots: { count: Math.round((CENTRE_COUNT * 40) / CENTRE_SLICES) } },
  },
  {
    name: 'dense',
    description: '2,000 spots in 16×256×256 (10× the centre)',
    overrides: { spots: { count: 2000 } },
  },
  {
    name: 'texture',
    description: 'the cells of `cells` with a granular texture (0.25, grain 1 × the PSF σ)',
    overrides: mergeOverrides(cells, { background: { cells: { texture: 0.25, textureGrain: 1 } } }),
  },
  {
    name: 'astigmatism',
    description: 'astigmatic PSF: in-plane σ × exp(±0.25 per σz of defocus), at 30°',
    overrides: { psf: { astigmatism: { amount: 0.25, angle: Math.PI / 6 } } },
  },
  {
    name: 'attenuation',
    description: 'depth attenuation: the last slice keeps 40 % of all fluorescence',
    overrides: { attenuation: 0.6 },
  },
  {
    name: 'em-gain',
    description: 'EMCCD: electron multiplication (excess noise √2), offset 500, gain 20',
    overrides: { camera: { emMultiplication: true, offset: 500, gain: 20, readNoise: 30 } },
  },
  {
    name: 'combined',
    description:
      'camera + cells + blobs + halo + clusters and pairs, with a gradient (0.5), haze (0.5) and hot pixels (5e-5)',
    overrides: mergeOverrides(camera, cells, blobs, halo, clusters, {
      camera: { hotPixelFraction: 5e-5, hotPixelLevel: 3000 },
      background: { gradient: 0.5, gradientAngle: 0.6, haze: 0.5 },
    }),
  },
];

/**
 * The local SNR levels the benchmark runs every scenario at: the 2, 4 and 7, and 20 for
 * bright stacks (smFISH often lies there; a model fine-tuned only up to SNR 8 split or lost bright
 * spots at 15–30, docs/robustness.md).
 */
export const ROBUSTNESS_SNRS: readonly number[] = [2, 4, 7, 20];

/**
 * Parent of the held-out seeds. Training seeds come from other parents (e.g. DATA_SEED in
 * benchmark-data.ts); {@link assertNotHeldOut} checks a list of them.
 */
export const ROBUSTNESS_SEED = 0x0b0b_2026;

/** The first `count` held-out seeds: replicate r of every scenario and SNR uses seed r. */
export function robustnessSeeds(count: number): number[] {
  return Array.from({ length: count }, (_, r) => deriveSeed(ROBUSTNESS_SEED, r));
}

/**
 * Throws if any of `seeds` (e.g. the seeds a training set draws its volumes with) is one of the
 * first `heldOut` held-out seeds (default 1,000, far more than the benchmark uses).
 */
export function assertNotHeldOut(seeds: Iterable<number>, heldOut = 1000): void {
  const held = new Set(robustnessSeeds(heldOut));
  const clash = [...seeds].filter((s) => held.has(s >>> 0));
  if (clash.length > 0)
    throw new Error(
      `${clash.length} seed(s) belong to the held-out robustness benchmark (e.g. ${clash[0]}); use another parent seed`,
    );
}

/** The params of one scenario at one local SNR. */
export function robustnessParams(scenario: RobustnessScenario, snr: number): GeneralParams {
  return mergeGeneralParams(mergeGeneralParams(GENERAL_CENTRE, scenario.overrides), { spots: { snr } });
}

/** Every (scenario, SNR, seed) case of the benchmark with `replicates` volumes per scenario and SNR. */
export function robustnessCases(
  replicates: number,
): { scenario: string; snr: number; seed: number; params: GeneralParams }[] {
  const seeds = robustnessSeeds(replicates);
  return ROBUSTNESS_SCENARIOS.flatMap((scenario) =>
    ROBUSTNESS_SNRS.flatMap((snr) =>
      seeds.map((seed) => ({ scenario: scenario.name, snr, seed, params: robustnessParams(scenario, snr) })),
    ),
  );
}

function mergeOverrides(...parts: GeneralOverrides[]): GeneralOverrides {
  const merge = (a: unknown, b: unknown): unknown => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return b;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  };
  return parts.reduce((acc, p) => merge(acc, p) as GeneralOverrides, {});
}
