/**
 * The drawn parameters of the `general`-family volumes that `tools/analysis/rule-features.ts` scores
 * (seed index `from` on, 128×128, local SNR 1.5–30, with the acquisition effects), by volume id, for
 * breaking its dumps down by what a volume holds (`tools/analysis/route_model.py … --params`): the
 * cells' granular texture and brightness (0 without cells), blob count, halo amplitude, local SNR,
 * spot count, core σxy and whether the camera is an EMCCD. Draws the parameters only (seconds).
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/family-params.ts [from 9000] [count 300] [out bench-output/params-9000.json]
 */
import { writeFileSync } from 'node:fs';
import { sampleGeneralParams } from '@dmdet/simulate';
import { generalTrainingSeeds } from '../lib/general-data';

const from = Number(process.argv[2] ?? 9000);
const count = Number(process.argv[3] ?? 300);
const outPath = process.argv[4] ?? `bench-output/params-${from}.json`;
const out: Record<string, unknown> = {};
for (const seed of generalTrainingSeeds(from, count)) {
  // As thresholdFitVolumes draws them with `effects` and `snr` 1.5,30.
  const p = sampleGeneralParams(seed, { size: [128, 128], snr: [1.5, 30], effects: true });
  out[`general-${seed}`] = {
    texture: p.background.cells.texture ?? 0,
    cells: p.background.cells.count > 0 ? p.background.cells.brightness : 0,
    blobs: p.background.blobs.count,
    halo: p.psf.halo.amplitude,
    snr: p.spots.snr,
    count: p.spots.count,
    sxy: p.psf.sigmaXY,
    em: p.camera.emMultiplication ?? false,
  };
}
writeFileSync(outPath, `${JSON.stringify(out)}\n`);
console.log(`${count} volumes' parameters → ${outPath}`);
