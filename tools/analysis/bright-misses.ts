/**
 * Which spots the built-in model misses in bright volumes, at the model's input knee or another
 * (`detect`'s `inputKnee`): per volume, F1, precision and recall with
 * default flags, and the 10th / 50th / 90th percentile of the local SNR of the spots found and of
 * those missed (a spot is found when a detection lies within 2 voxels):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/bright-misses.ts [scenario] [snrs] [knee]
 *
 * Defaults: `small-spots`, SNR 60, the model's knee (which follows the spots: printed). One volume per SNR, seeds of its own (parent
 * 0x5eedcd, not the robustness benchmark's held-out ones); about 20 s a volume on two cores.
 */
import { evaluatePoints } from '@dmdet/metrics';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';

const name = process.argv[2] ?? 'small-spots';
const snrs = (process.argv[3] ?? '60').split(',').map(Number);
const knee = process.argv[4] ? Number(process.argv[4]) : undefined;
if (knee !== undefined && !(knee > 0))
  throw new Error(`knee must be a positive number, got ${process.argv[4]}`);
const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
if (!scenario) throw new Error(`unknown scenario ${name}`);
await useBackend('wasm');
const model = await loadModel('default');
const quantiles = (a: number[]) =>
  a.length === 0
    ? '–'
    : [0.1, 0.5, 0.9].map((f) => (a[Math.floor(f * (a.length - 1))] as number).toFixed(1)).join(' / ');
for (const snr of snrs) {
  const sim = simulateGeneral(robustnessParams(scenario, snr), deriveSeed(0x5eedcd, snr * 10));
  const res = await detect(sim.volume, { model, ...(knee !== undefined ? { inputKnee: knee } : {}) });
  const ev = evaluatePoints(sim.points, res.points, { gate: 5 });
  const found = sim.points.map((p) =>
    res.points.some((q) => Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z) < 2),
  );
  const snrOf = (f: boolean) =>
    sim.points
      .filter((_, i) => found[i] === f)
      .map((p) => p.snr ?? Number.NaN)
      .sort((a, b) => a - b);
  console.log(
    `${name} SNR ${snr}, knee ${res.inputKnee?.toFixed(1) ?? knee}: threshold ${res.threshold.toFixed(3)}, F1 ${ev.f1.toFixed(3)}, precision ${ev.precision.toFixed(3)}, recall ${ev.recall.toFixed(3)}; local SNR of found ${quantiles(snrOf(true))}, of missed ${quantiles(snrOf(false))}`,
  );
}
