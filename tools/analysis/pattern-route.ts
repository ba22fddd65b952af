/**
 * Where `detect`'s pixel-pattern warning names the `scmos` model, is it the better one? Scores
 * `default` and `scmos` stack by stack (default flags) on folders of `optical_psf_stacks.py` stacks
 * (the test stacks of each case and SNR, as `external-stacks.ts` takes them), with the `pixelPattern`
 * `default`'s detect read, and sums up by that reading: below the warning (1.5), 1.5–2.5 and above;
 * then per SNR over all stacks, the model `dmdet detect` chooses without `--model`
 * (`modelForPixelPattern`) against each model alone.
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
const folders = process.argv.slice(2);
if (folders.length === 0) throw new Error('usage: pattern-route.ts <folder with cases.json>...');
const backend = await useBackend('wasm');
const names = ['default', 'scmos'] as const;
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
for (const snr of [...new Set(rows.map((r) => r.snr))])
  for (const [label, inBin] of bins) {
    const sel = rows.filter((r) => r.snr === snr && inBin(r.pattern));
    if (sel.length === 0) continue;
    const mean = (i: number) => sel.reduce((s, r) => s + (r.f1[i] as number), 0) / sel.length;
    const better = sel.filter((r) => (r.f1[1] as number) > (r.f1[0] as number)).length;
    const worse = sel.filter((r) => (r.f1[1] as number) < (r.f1[0] as number)).length;
    console.log(
      `SNR ${snr}, pixelPattern ${label}: ${sel.length} stacks, mean F1 scmos ${mean(1).toFixed(3)} against default ${mean(0).toFixed(3)}; scmos better in ${better}, worse in ${worse}`,
    );
  }
for (const snr of [...new Set(rows.map((r) => r.snr))]) {
  const sel = rows.filter((r) => r.snr === snr);
  const routed = sel.map((r) => r.f1[names.indexOf(modelForPixelPattern(r.pattern))] as number);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const sent = sel.filter((r) => modelForPixelPattern(r.pattern) === 'scmos').length;
  console.log(
    `SNR ${snr}, all ${sel.length} stacks: mean F1 as dmdet detect chooses (scmos for ${sent}) ${mean(routed).toFixed(3)}, default alone ${mean(sel.map((r) => r.f1[0] as number)).toFixed(3)}, scmos alone ${mean(sel.map((r) => r.f1[1] as number)).toFixed(3)}`,
  );
}
process.exit(0);
