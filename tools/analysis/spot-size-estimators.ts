/**
 * Spot-size estimators (`estimateSpotSize` settings `select:cut`, default
 * `densest-half:8,cluster:5`: the estimator before 2026-12-06 and today's) beside the truth, on
 *
 * - the tissue-like scene (`tools/lib/tissue-scene.ts`: smooth and granular cells, 12 bright
 *   blobs, 30–120 spots; SNR 2 / 4 / 7, 4 volumes each): every estimate, as σxy/σz (fits kept /
 *   candidates);
 * - 120 volumes of the training family (128×128 in-plane, local SNR 1.5–30, every other one with
 *   the acquisition effects; seeds from index 12000 of the training seeds, which no training, fit or
 *   other analysis uses);
 * - the robustness scenarios at SNR 2 / 4 / 7 / 20 on seeds of their own (those of
 *   `diagnose-spot-size.ts`; 3 each, 216 volumes).
 *
 * Per group and estimator: volumes with an estimate, those off by more than 15 % in σxy and by more
 * than 25 % in σz, and the mean |log error| in σxy and σz over the volumes every estimator
 * estimated; then each volume that only some estimators estimated, with their errors.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/spot-size-estimators.ts [select:cut,…] [groups tissue,family,grid]
 */
import { type EstimateSpotSizeOptions, estimateSpotSize } from '@dmdet/preprocess';
import { deriveSeed, type GeneralVolume, sampleGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { generalTrainingSeeds } from '../lib/general-data';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';
import { tissueVolume } from '../lib/tissue-scene';

const settings = (process.argv[2] ?? 'densest-half:8,cluster:5').split(',').map((text) => {
  const [select, cut] = text.split(':');
  if ((select !== 'cluster' && select !== 'densest-half') || !(Number(cut) > 0))
    throw new Error(`usage: spot-size-estimators.ts [select:cut,…] [groups]; got ${text}`);
  return { name: text, options: { select, cut: Number(cut) } as EstimateSpotSizeOptions };
});
const groups = (process.argv[3] ?? 'tissue,family,grid').split(',');

interface Row {
  label: string;
  truth: { xy: number; z: number };
  got: ({ xy: number; z: number; spots: number; candidates: number } | undefined)[];
}

function estimateAll(label: string, sim: GeneralVolume): Row {
  return {
    label,
    truth: sim.spotSigma,
    got: settings.map((s) => estimateSpotSize(sim.volume, s.options)),
  };
}

const logError = (a: number, b: number) => Math.abs(Math.log(a / b));

function summarise(group: string, rows: Row[], printEach: boolean): void {
  console.log(`\n== ${group}: ${rows.length} volumes`);
  if (printEach)
    for (const r of rows)
      console.log(
        `${r.label} true ${r.truth.xy}/${r.truth.z}: ${r.got.map((e) => (e ? `${e.xy.toFixed(2)}/${e.z.toFixed(2)} (${e.spots}/${e.candidates})` : 'none')).join('  ')}`,
      );
  const everywhere = rows.filter((r) => r.got.every((e) => e));
  settings.forEach((s, i) => {
    const got = rows.filter((r) => r.got[i]);
    const offXY = got.filter((r) => logError(r.got[i]?.xy as number, r.truth.xy) > Math.log(1.15)).length;
    const offZ = got.filter((r) => logError(r.got[i]?.z as number, r.truth.z) > Math.log(1.25)).length;
    const mean = (axis: 'xy' | 'z') =>
      everywhere.reduce((a, r) => a + logError(r.got[i]?.[axis] as number, r.truth[axis]), 0) /
      everywhere.length;
    console.log(
      `${s.name}: ${got.length} estimated, ${offXY} off by > 15 % in σxy, ${offZ} by > 25 % in σz; over the ${everywhere.length} all estimated, mean |log error| σxy ${mean('xy').toFixed(4)}, σz ${mean('z').toFixed(4)}`,
    );
  });
  for (const r of rows.filter((r) => r.got.some((e) => e) && !r.got.every((e) => e)))
    console.log(
      `  only some: ${r.label} true ${r.truth.xy.toFixed(2)}/${r.truth.z.toFixed(2)}: ${r.got
        .map((e, i) =>
          e
            ? `${settings[i]?.name} ${e.xy.toFixed(2)}/${e.z.toFixed(2)} (log error ${logError(e.xy, r.truth.xy).toFixed(2)} / ${logError(e.z, r.truth.z).toFixed(2)}, ${e.spots} fits)`
            : `${settings[i]?.name} none`,
        )
        .join('; ')}`,
    );
}

console.log(`estimators: ${settings.map((s) => s.name).join(', ')}`);
if (groups.includes('tissue')) {
  const rows: Row[] = [];
  for (const texture of [0, 0.3])
    for (const snr of [2, 4, 7])
      for (const k of [0, 1, 2, 3])
        rows.push(estimateAll(`texture ${texture} SNR ${snr} #${k}`, tissueVolume(texture, snr, k)));
  summarise('tissue-like scene', rows, true);
}
if (groups.includes('family')) {
  const rows = generalTrainingSeeds(12000, 120).map((seed, i) => {
    const params = sampleGeneralParams(seed, { size: [128, 128], snr: [1.5, 30], effects: i % 2 === 1 });
    return estimateAll(
      `family #${i} (${params.spots.count} spots, SNR ${params.spots.snr.toFixed(1)}, ${params.shape[0]} slices)`,
      simulateGeneral(params, seed),
    );
  });
  summarise('training family', rows, false);
}
if (groups.includes('grid')) {
  const PARENT = 0x5151_0e57;
  const rows: Row[] = [];
  for (const scenario of ROBUSTNESS_SCENARIOS)
    for (const snr of [2, 4, 7, 20])
      for (let r = 0; r < 3; r++)
        rows.push(
          estimateAll(
            `${scenario.name} SNR ${snr} #${r}`,
            simulateGeneral(robustnessParams(scenario, snr), deriveSeed(PARENT, r)),
          ),
        );
  summarise('robustness scenarios', rows, false);
}
process.exit(0);
