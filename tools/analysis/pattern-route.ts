/**
 * Where `detect`'s pixel-pattern warning names the `scmos` model, is it the better one? Scores
 * `default` and `scmos` stack by stack (default flags) on folders of `optical_psf_stacks.py` stacks
 * (the test stacks of each case and SNR, as `external-stacks.ts` takes them), with the `pixelPattern`
 * `default`'s detect read, and sums up by that reading: below the warning (1.5), 1.5–2.5 and above;
 * then per SNR over all stacks, the model `dmdet detect` chooses without `--model`
 * (`modelForPixelPattern`) against each model alone. `--models default,scmos,<folder>…` (default
 * `default,scmos`) scores candidates too: each model after the first in `scmos`'s place, where the
 * pattern reads above 1.5.
 *
 *   /usr/bin/python3 tools/analysis/optical_psf_stacks.py bench-output/optical-scmos2 --cases oil-1.4,water-1.2 --scmos 2
 *   npx tsx --conditions=@dmdet/source tools/analysis/pattern-route.ts bench-output/optical-scmos1 bench-output/optical-scmos2
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, modelForPixelPattern, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { toFloat32 } from '@dmdet/volume-io';
import { readPointsCsvFile, readTiffFile } from '@dmdet/volume-io/node';

interface CaseFile {
  snr: number;
  tif: string;
  truth: string;
}
/** `detect`'s warning level, above which `modelForPixelPattern` chooses `scmos`. */
const PIXEL_PATTERN_WARNING = 1.5;
const args = process.argv.slice(2);
const at = args.indexOf('--models');
const names = at >= 0 ? (args.splice(at, 2)[1] ?? '').split(',') : ['default', 'scmos'];
if (names.length < 2) throw new Error('--models needs the default model and at least one other');
const folders = args;
if (folders.length === 0) throw new Error('usage: pattern-route.ts <folder with cases.json>...');
const backend = await useBackend('wasm');
const models = await Promise.all(names.map((n) => loadModel(n)));
const pools = await Promise.all(models.map((m) => ModelWorkerPool.create(m.model, { workers: 2, backend })));
const rows: { pattern: number; snr: number; f1: number[] }[] = [];
try {
  for (const folder of folders) {
    const cases = JSON.parse(readFileSync(join(folder, 'cases.json'), 'utf8')) as Record<
      string,
      { files: CaseFile[] }
    >;
    for (const [caseName, c] of Object.entries(cases))
      for (const snr of [...new Set(c.files.map((f) => f.snr))])
        for (const f of c.files.filter((x) => x.snr === snr).slice(0, -2)) {
          const volume = toFloat32(await readTiffFile(join(folder, f.tif)));
          const truth = (await readPointsCsvFile(join(folder, f.truth))).map(({ x, y, z }) => ({ x, y, z }));
          const f1: number[] = [];
          let pattern = Number.NaN;
          for (const [i, model] of models.entries()) {
            const r = await detect(volume, { model, predictor: pools[i] });
            if (i === 0) pattern = r.pixelPattern ?? Number.NaN;
            f1.push(evaluate(truth, r.points, { gate: 5 }).f1);
          }
          rows.push({ pattern, snr, f1 });
          console.log(
            `${folder} ${caseName} SNR ${snr} ${f.tif}: pixelPattern ${pattern.toFixed(2)}, F1 ${names.map((n, i) => `${n} ${(f1[i] as number).toFixed(3)}`).join(', ')}`,
          );
        }
  }
} finally {
  await Promise.all(pools.map((p) => p.close()));
}
const bins: [string, (p: number) => boolean][] = [
  [`below ${PIXEL_PATTERN_WARNING}`, (p) => !(p > PIXEL_PATTERN_WARNING)],
  [`${PIXEL_PATTERN_WARNING}–2.5`, (p) => p > PIXEL_PATTERN_WARNING && p <= 2.5],
  ['above 2.5', (p) => p > 2.5],
];
const snrs = [...new Set(rows.map((r) => r.snr))];
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
for (const [j, name] of names.entries()) {
  if (j === 0) continue;
  for (const snr of snrs)
    for (const [label, inBin] of bins) {
      const sel = rows.filter((r) => r.snr === snr && inBin(r.pattern));
      if (sel.length === 0) continue;
      const f1 = (i: number) => mean(sel.map((r) => r.f1[i] as number));
      const better = sel.filter((r) => (r.f1[j] as number) > (r.f1[0] as number)).length;
      const worse = sel.filter((r) => (r.f1[j] as number) < (r.f1[0] as number)).length;
      console.log(
        `SNR ${snr}, pixelPattern ${label}: ${sel.length} stacks, mean F1 ${name} ${f1(j).toFixed(3)} against ${names[0]} ${f1(0).toFixed(3)}; ${name} better in ${better}, worse in ${worse}`,
      );
    }
  // As dmdet detect chooses without --model, with this model in scmos's place.
  for (const snr of snrs) {
    const sel = rows.filter((r) => r.snr === snr);
    const sent = (r: (typeof rows)[number]) => modelForPixelPattern(r.pattern) === 'scmos';
    const routed = sel.map((r) => r.f1[sent(r) ? j : 0] as number);
    console.log(
      `SNR ${snr}, all ${sel.length} stacks: mean F1 as dmdet detect chooses (${name} for ${sel.filter(sent).length}) ${mean(routed).toFixed(3)}, ${names[0]} alone ${mean(sel.map((r) => r.f1[0] as number)).toFixed(3)}, ${name} alone ${mean(sel.map((r) => r.f1[j] as number)).toFixed(3)}`,
    );
  }
}
process.exit(0);
