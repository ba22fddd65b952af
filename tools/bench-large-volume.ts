/**
 * Time per voxel and peak memory of `dmdet detect` on a large volume against a 10×512×512 one, in
 * one run (the speed issue's "any volume size at the 10×512×512 rate"):
 *
 *   npm run bench:large-volume                                 # 10×512×512 vs 32×1024×1024
 *   npm run bench:large-volume -- --shape 32,2048,2048         # the issue's size (about 10 min)
 *   npm run bench:large-volume -- --flips 1,4                  # each at one map and at four (against the first)
 *
 * Each volume is a `general`-family simulation (GENERAL_CENTRE at its density: 200 spots and 6 cells
 * per 16×256×256, scaled with the volume), written as an uncompressed ImageJ TIFF. Each run is
 * `dmdet detect <file> --out <csv> --quiet` with the built-in model and default flags (both cores:
 * one worker thread per core), in its own process, so the peak resident memory is its own (worker
 * threads included). A third run on a 4×64×64 volume measures what every run pays whatever the size
 * (loading the model, starting the workers, first calls): the per-voxel figures are also given with
 * it subtracted, and the goal (at most 1.15× the 10×512×512 rate) is judged on those.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluatePoints } from '@dmdet/metrics';
import { GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import type { Vec3 } from '@dmdet/volume-io';
import { readPointsCsv } from '@dmdet/volume-io';
import { writeTiffFile } from '@dmdet/volume-io/node';
import { run as dmdet } from '../packages/pipeline/src/cli/main';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '32,1024,1024' },
    reference: { type: 'string', default: '10,512,512' },
    child: { type: 'string' },
    csv: { type: 'string' },
    flips: { type: 'string' },
  },
});
const triple = (s: string) => s.split(',').map(Number) as unknown as Vec3;
const voxels = (s: Vec3) => s[0] * s[1] * s[2];

if (values.child) {
  // One `dmdet detect`, timed from the call (Node and tsx start-up excluded), its peak RSS after.
  const started = performance.now();
  const extra = values.flips ? ['--flips', values.flips] : [];
  const code = await dmdet([
    'detect',
    values.child,
    '--out',
    values.csv as string,
    '--quiet',
    '--force',
    ...extra,
  ]);
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ code, seconds, peakMiB: process.resourceUsage().maxRSS / 1024 }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'dmdet-large-'));
  try {
    const shapes = {
      fixed: [4, 64, 64] as Vec3,
      reference: triple(values.reference),
      large: triple(values.shape),
    };
    // `--flips 1,4`: each volume at each count of test-time flips; default: the model's own only.
    const flipsList = values.flips ? values.flips.split(',') : [undefined];
    if (flipsList.some((f) => f !== undefined && !['1', '2', '4', '8'].includes(f)))
      throw new Error(`--flips must be a list of 1, 2, 4 or 8, got ${values.flips}`);
    type Row = { name: string; shape: Vec3; flips?: string; seconds: number; peakMiB: number; f1: number };
    const rows: Row[] = [];
    for (const [name, shape] of Object.entries(shapes)) {
      const scale = voxels(shape) / voxels(GENERAL_CENTRE.shape);
      const area = (shape[1] * shape[2]) / (GENERAL_CENTRE.shape[1] * GENERAL_CENTRE.shape[2]);
      console.error(`${name}: simulating ${shape.join('×')} …`);
      const { volume, points } = simulateGeneral(
        mergeGeneralParams(GENERAL_CENTRE, {
          shape: [...shape],
          spots: { count: Math.max(1, Math.round(GENERAL_CENTRE.spots.count * scale)) },
          background: {
            cells: { count: Math.max(1, Math.round(GENERAL_CENTRE.background.cells.count * area)) },
          },
        }),
        4242,
      );
      const tif = join(dir, `${name}.tif`);
      await writeTiffFile(tif, volume);
      const csv = join(dir, `${name}.csv`);
      for (const flips of flipsList) {
        console.error(`${name}: dmdet detect${flips ? ` --flips ${flips}` : ''} …`);
        const r = spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=@dmdet/source',
            import.meta.filename,
            '--child',
            tif,
            '--csv',
            csv,
            ...(flips ? ['--flips', flips] : []),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        const last = r.stdout.trim().split('\n').pop() ?? '';
        if (r.status !== 0 || !last.startsWith('{')) throw new Error(`${name} run failed:\n${r.stderr}`);
        const out = JSON.parse(last) as { code: number; seconds: number; peakMiB: number };
        if (out.code !== 0) throw new Error(`${name}: dmdet detect exited with ${out.code}:\n${r.stderr}`);
        const found = readPointsCsv(readFileSync(csv, 'utf8'));
        const f1 = evaluatePoints(points, found, { gate: 5 }).f1;
        rows.push({
          name,
          shape,
          ...(flips ? { flips } : {}),
          seconds: out.seconds,
          peakMiB: out.peakMiB,
          f1,
        });
        console.error(JSON.stringify(rows.at(-1)));
      }
      rmSync(tif);
    }
    const us = (r: Row, minus = 0) => ((r.seconds - minus) * 1e6) / voxels(r.shape);
    const flipsText = (f: string | undefined) => (f ? ` --flips ${f}` : '');
    console.log(
      '`dmdet detect <file> --out <csv>` (built-in model, default flags, one worker per core), each in its own process\n',
    );
    console.log(
      '| volume | voxels | flips | F1 | seconds | µs / voxel | µs / voxel above the fixed cost | peak RSS (MiB) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    const row = (name: string, flips: string | undefined) =>
      rows.find((r) => r.name === name && r.flips === flips) as Row;
    for (const flips of flipsList) {
      const [fixed, reference, large] = [row('fixed', flips), row('reference', flips), row('large', flips)];
      for (const r of [fixed, reference, large])
        console.log(
          `| ${r.shape.join('×')} (${r.name}) | ${(voxels(r.shape) / 1e6).toFixed(1)} M | ${flips ?? 'default'} | ${r.f1.toFixed(3)} | ${r.seconds.toFixed(1)} | ${us(r).toFixed(2)} | ${r === fixed ? '–' : us(r, fixed.seconds).toFixed(2)} | ${r.peakMiB.toFixed(0)} |`,
        );
    }
    for (const flips of flipsList) {
      const [fixed, reference, large] = [row('fixed', flips), row('reference', flips), row('large', flips)];
      const ratio = us(large, fixed.seconds) / us(reference, fixed.seconds);
      console.log(
        `\n${flipsText(flips) || 'default flags'}: ${large.shape.join('×')} / ${reference.shape.join('×')} per voxel: ×${(us(large) / us(reference)).toFixed(2)}, ` +
          `×${ratio.toFixed(2)} above the fixed cost (goal ≤ 1.15: ${ratio <= 1.15 ? 'met' : 'not met'}); ` +
          `peak memory ${large.peakMiB.toFixed(0)} MiB (goal ≤ 1536: ${large.peakMiB <= 1536 ? 'met' : 'not met'})`,
      );
    }
    // Against the first flips value named (the baseline, e.g. 1 in `--flips 1,4`), in the same run.
    const base = flipsList[0];
    for (const flips of flipsList.slice(1))
      for (const name of ['reference', 'large']) {
        const a = row(name, base);
        const b = row(name, flips);
        console.log(
          `${name} ${b.shape.join('×')}: --flips ${flips} against --flips ${base}: time ×${(b.seconds / a.seconds).toFixed(2)}, peak memory ×${(b.peakMiB / a.peakMiB).toFixed(2)} (${a.peakMiB.toFixed(0)} → ${b.peakMiB.toFixed(0)} MiB)`,
        );
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
