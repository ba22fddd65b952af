/**
 * Dumps a model's density maps on robustness scenarios (seeds of its own, parent 0x5eedcc, not the
 * benchmark's held-out ones), with the true positions in the map's grid, for the Python analyses
 * beside this file (e.g. `shoulder_peaks.py`):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/dump-robustness-maps.ts [model] [out dir] [scenarios] [snrs] [volumes] [raw]
 *
 * Defaults: `default`, `bench-output/robustness-maps`, every scenario, SNR 2,4,7, 1 volume per case
 * (about 2.5 min on 2 cores). Each volume is detected as `detect` does by default (spot size
 * estimated, the volume resampled to the model's scale, the model's threshold rule), but with every
 * axial ghost kept (`axialGhosts: false`: the detections are the map's own); writes
 * `<id>.f32` (the map, float32, z-y-x) and `meta.json` (per volume: id, map shape, threshold,
 * resampling, true positions `[z, y, x]` in the map's grid, their local SNRs, detections
 * `[z, y, x, score]` in the volume's grid). `missed_snr.py` reads it too. With a 6th argument `raw`,
 * also `<id>.raw.f32` (the simulated volume itself, float32, z-y-x; its shape `volumeShape` in
 * meta.json), for `axial_ghosts.py`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { toResampled } from '@dmdet/preprocess';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';

const [modelName = 'default', out = 'bench-output/robustness-maps'] = process.argv.slice(2, 4);
const names = (process.argv[4] ?? ROBUSTNESS_SCENARIOS.map((s) => s.name).join(',')).split(',');
const snrs = (process.argv[5] ?? '2,4,7').split(',').map(Number);
const volumes = Number(process.argv[6] ?? 1);
const raw = process.argv[7] === 'raw';
if (!(Number.isInteger(volumes) && volumes > 0))
  throw new Error(`volumes must be a positive integer, got ${volumes}`);
mkdirSync(out, { recursive: true });
await useBackend('wasm');
const model = await loadModel(modelName);
const meta: unknown[] = [];
for (const name of names) {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  for (const snr of snrs)
    for (let r = 0; r < volumes; r++) {
      const seed = deriveSeed(0x5eedcc, names.indexOf(name) * 100 + snr * 10 + r);
      const sim = simulateGeneral(robustnessParams(scenario, snr), seed);
      const res = await detect(sim.volume, { model, keepMap: true, axialGhosts: false });
      const map = res.map;
      if (!map) throw new Error('detect returned no map');
      const id = `${name}-${snr}-${r}`;
      writeFileSync(`${out}/${id}.f32`, Buffer.from((map.data as Float32Array).buffer));
      if (raw) writeFileSync(`${out}/${id}.raw.f32`, Buffer.from(Float32Array.from(sim.volume.data).buffer));
      const inMap = sim.points.map((p) => (res.resampling ? toResampled(p, res.resampling) : p));
      meta.push({
        id,
        shape: map.shape,
        volumeShape: sim.volume.shape,
        threshold: res.threshold,
        resampling: res.resampling ?? null,
        points: inMap.map(({ x, y, z }) => [z, y, x]),
        snrs: sim.points.map((p) => p.snr),
        detections: res.points.map((p) => [p.z, p.y, p.x, p.score]),
      });
      console.log(
        id,
        `${res.points.length} detections, ${sim.points.length} spots, threshold ${res.threshold.toFixed(3)}`,
      );
    }
}
writeFileSync(`${out}/meta.json`, JSON.stringify(meta));
