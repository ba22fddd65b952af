/**
 * `npm run bench:tiling -- [model dir]`: how close tiled prediction is to one whole pass (default the
 * built-in model). With per-volume instance statistics each tile takes its own, so tiles that carry
 * the full receptive radius of context still differ a little from one pass; with frozen statistics
 * they should not differ at all with the full radius, and by at most about the model's measured
 * `metadata.context.tolerance` with the context it records (used here, as `detect` uses it). On simulated 10×512×512 volumes (SNR 1, 2,
 * 4, 7, medium density) it compares the whole-volume map with the two-tile map (what `dmdet detect`
 * does on two cores) and with 10×128×128-voxel tiles: largest and mean map difference, and F1 of the
 * tiled detections against the whole-pass detections (gate 1 voxel), and both against the truth.
 */
import { availableParallelism } from 'node:os';
import { evaluatePoints } from '@dmdet/metrics';
import { resolveConfig } from '@dmdet/model';
import { DEFAULT_MIN_DISTANCE, predictMap, useBackend } from '@dmdet/pipeline';
import { loadModel, ModelWorkerPool } from '@dmdet/pipeline/node';
import { localMaxima3D } from '@dmdet/postprocess';
import { DEFAULT_NORMALIZATION, normalizeInput } from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';

await useBackend('wasm');
const detector = await loadModel(process.argv[2] ?? 'default');
const config = resolveConfig(detector.metadata.config);
const threshold = detector.metadata.threshold ?? 0.5;
// Tiles carry the context the model's metadata records (as `detect` does), else the receptive radius.
const context = detector.metadata.context?.radius;
const pool = await ModelWorkerPool.create(detector.model, {
  backend: 'wasm',
  workers: availableParallelism(),
});
console.log(
  `context per side: ${context ? `${context.join('×')} (metadata.context)` : 'the receptive radius'}`,
);
console.log(
  'SNR | tiles | tile size | max |Δmap| | mean |Δmap| | F1 tiled vs whole | F1 whole vs truth | F1 tiled vs truth',
);
try {
  for (const snr of [1, 2, 4, 7]) {
    const sim = simulateVolume({ snr, density: 'medium', seed: 100 + snr });
    const input = normalizeInput(sim.volume, detector.metadata.normalization ?? DEFAULT_NORMALIZATION);
    const whole = await predictMap(detector.model, config, input, pool, {
      maxTileVoxels: 10 * 512 * 512,
      ...(context ? { context } : {}),
    });
    const truth = sim.points.map(({ x, y, z }) => ({ x, y, z }));
    const peaks = (m: typeof whole.map) => localMaxima3D(m, { threshold, minDistance: DEFAULT_MIN_DISTANCE });
    const wholePeaks = peaks(whole.map);
    // whole.tiles is 2 here: the pool cuts the volume in two; a one-pass reference needs one tile.
    const one = await predictMap(detector.model, config, input, undefined, { tile: [10, 512, 512] });
    const onePeaks = peaks(one.map);
    for (const [label, result, found] of [
      ['2 (pool)', whole, wholePeaks],
      [
        'small',
        await predictMap(detector.model, config, input, pool, {
          maxTileVoxels: 10 * 128 * 128,
          ...(context ? { context } : {}),
        }),
        undefined,
      ],
    ] as const) {
      const tiledPeaks = found ?? peaks(result.map);
      let max = 0;
      let sum = 0;
      for (let i = 0; i < one.map.data.length; i++) {
        const d = Math.abs((one.map.data[i] as number) - (result.map.data[i] as number));
        max = Math.max(max, d);
        sum += d;
      }
      console.log(
        `${snr} | ${result.tiles} | ${label} | ${max === 0 ? '0' : max.toExponential(1)} | ${(sum / one.map.data.length).toExponential(2)} | ${evaluatePoints(onePeaks, tiledPeaks, { gate: 1 }).f1.toFixed(4)} | ${evaluatePoints(truth, onePeaks, { gate: 5 }).f1.toFixed(3)} | ${evaluatePoints(truth, tiledPeaks, { gate: 5 }).f1.toFixed(3)}`,
      );
    }
  }
} finally {
  await pool.close();
}
