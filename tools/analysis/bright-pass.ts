/**
 * Dumps what a bright pass would add (`BrightPass` of `@dmdet/model`): every robustness scenario at
 * the given local SNRs, on held-out seeds of their own (indices 40 and 41 of `robustnessSeeds`; the
 * benchmark uses the first 3–14), detected once without a bright pass and once at a fixed knee
 * `factor` times the first's (threshold 0.2, the second pass's own rule threshold recorded), with
 * the truth, for `bright_pass.py` to score union rules offline:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/bright-pass.ts bench-output/bright-pass.json [snrs 7,20,30,60,120] [seed indices 40,41] [factor 4] [model default]
 *
 * 180 volumes of 16×256×256 (fewer slices in some scenarios): 42 min on 2 cores.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';

const out = process.argv[2] ?? 'bench-output/bright-pass.json';
const snrs = (process.argv[3] ?? '7,20,30,60,120').split(',').map(Number);
const seedIdx = (process.argv[4] ?? '40,41').split(',').map(Number);
const factor = Number(process.argv[5] ?? 4);
const backend = await useBackend('wasm');
const model = await loadModel(process.argv[6] ?? 'default');
const pool = await ModelWorkerPool.create(model.model, { workers: availableParallelism(), backend });
const all = robustnessSeeds(Math.max(...seedIdx) + 1);
const rows: unknown[] = [];
const t0 = Date.now();
const pts = (ps: { x: number; y: number; z: number; score: number }[]) =>
  ps.map((p) => [+p.x.toFixed(2), +p.y.toFixed(2), +p.z.toFixed(2), +p.score.toFixed(3)]);
try {
  for (const scenario of ROBUSTNESS_SCENARIOS)
    for (const snr of snrs)
      for (const si of seedIdx) {
        const sim = simulateGeneral(robustnessParams(scenario, snr), all[si] as number);
        const a = await detect(sim.volume, { model, predictor: pool, brightPass: false });
        const knee2 = (a.inputKnee ?? 20) * factor;
        const b = await detect(sim.volume, { model, predictor: pool, inputKnee: knee2, threshold: 0.2 });
        rows.push({
          scenario: scenario.name,
          snr,
          seed: si,
          knee: a.inputKnee,
          spotPeak: a.spotPeak,
          signal: a.signal,
          threshold: a.threshold,
          knee2,
          signal2: b.signal,
          rule2: b.ruleThreshold,
          truth: sim.points.map((p) => [+p.x.toFixed(2), +p.y.toFixed(2), +p.z.toFixed(2)]),
          first: pts(a.points),
          second: pts(b.points),
        });
        console.error(
          `${scenario.name} ${snr} ${si}: knee ${a.inputKnee?.toFixed(1)} peak ${a.spotPeak?.toFixed(0)} t ${a.threshold.toFixed(2)} rule2 ${b.ruleThreshold?.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
        );
      }
} finally {
  writeFileSync(out, JSON.stringify(rows));
  await pool.close();
}
