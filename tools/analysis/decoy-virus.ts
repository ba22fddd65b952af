/**
 * Where the built-in model's decoy term runs and raises on the virus scenario's extended test set
 * (`bench:table1 --extended-test 25 --extended-shape 10,128,128`'s volumes; the first `n` per SNR ×
 * density cell), and the F1 it changes there against the same detection without it (`decoy: false`,
 * run only on the volumes it raised):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/decoy-virus.ts [n per cell, default 25] [model] [SNRs, e.g. 1,2; default all]
 */
import { availableParallelism } from 'node:os';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { extendedTestData } from '../lib/benchmark-data';

const [perCellArg = '25', modelName = 'default', snrArg] = process.argv.slice(2);
const perCell = Number(perCellArg);
const snrs = snrArg ? new Set(snrArg.split(',').map(Number)) : undefined;
const backend = await useBackend('wasm');
const model = await loadModel(modelName);
const pool = await ModelWorkerPool.create(model.model, { workers: availableParallelism(), backend });
const items = extendedTestData('medium', 25, [10, 128, 128]);
const taken = new Map<string, number>();
const stats = new Map<number, { volumes: number; ran: number; raised: number; dF1: number[] }>();
for (const it of items) {
  if (snrs && !snrs.has(it.snr)) continue;
  const cell = `${it.snr}-${it.density}`;
  const k = taken.get(cell) ?? 0;
  if (k >= perCell) continue;
  taken.set(cell, k + 1);
  const s = stats.get(it.snr) ?? { volumes: 0, ran: 0, raised: 0, dF1: [] };
  stats.set(it.snr, s);
  s.volumes++;
  const r = await detect(it.volume, { model, predictor: pool });
  if (!r.decoy) continue;
  s.ran++;
  if (r.decoy.raise <= 0) continue;
  s.raised++;
  const without = await detect(it.volume, { model, predictor: pool, decoy: false });
  const f1 = (p: typeof r.points) => evaluate(it.points, p, { gate: 5 }).f1;
  s.dF1.push(f1(r.points) - f1(without.points));
  console.log(
    `${it.id}: raised ${r.decoy.raise.toFixed(2)}, F1 ${f1(without.points).toFixed(3)} -> ${f1(r.points).toFixed(3)}`,
  );
}
for (const [snr, s] of [...stats].sort((a, b) => a[0] - b[0])) {
  const sum = s.dF1.reduce((a, b) => a + b, 0);
  console.log(
    `SNR ${snr}: ${s.volumes} volumes, decoy ran on ${s.ran}, raised ${s.raised}; mean F1 change over the ${s.volumes}: ${(sum / s.volumes).toFixed(4)}`,
  );
}
await pool.close();
