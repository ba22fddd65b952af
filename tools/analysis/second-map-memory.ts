/**
 * Peak memory of `dmdet detect` with and without the threshold rule's decoy map, on a large grainy
 * volume where the decoy runs (the tissue-like scene of `tissue-probe.ts`, granular cells, local
 * SNR 4, scaled up in-plane with its cells, blobs and spots), against the memory model's
 * `secondMapBytesPerVoxel` × the voxels held:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/second-map-memory.ts [shape, default 16,1024,1024] [flips, default 1] [dmdet detect flags, e.g. --max-memory 3072]
 *
 * Each run is `dmdet detect <file> --json --flips F` with the built-in model, both cores, in its own
 * process (peak RSS of the process, worker threads included; F1 against the simulation's spots, gate
 * 5), the second with `--no-decoy`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMORY_MODEL } from '@dmdet/pipeline';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import type { Vec3 } from '@dmdet/volume-io';
import { writePointsCsvFile, writeTiffFile } from '@dmdet/volume-io/node';
import { run as dmdet } from '../../packages/pipeline/src/cli/main';
import { scaledTissueParams } from '../lib/tissue-scene';

const [first, second, third] = process.argv.slice(2);
if (first === '--child') {
  // One `dmdet detect`; its JSON's first frame and the process's peak RSS.
  let out = '';
  const io = {
    stdout: {
      write: (s: string) => {
        out += s;
      },
    },
    stderr: { write: (s: string) => void process.stderr.write(s) },
  };
  const code = await dmdet(
    [
      'detect',
      second as string,
      '--json',
      '--flips',
      third as string,
      '--out',
      `${second}.csv`,
      '--force',
      '--truth',
      `${second}.truth.csv`,
      ...process.argv.slice(5),
    ],
    io as never,
  );
  const frame = JSON.parse(out).results[0];
  console.log(
    JSON.stringify({
      code,
      peakMiB: process.resourceUsage().maxRSS / 1024,
      decoy: frame.decoy ?? null,
      blocks: frame.blocks ?? null,
      count: frame.count,
      f1: frame.f1 ?? frame.scores?.f1 ?? null,
    }),
  );
} else {
  const shape = (first ?? '16,1024,1024').split(',').map(Number) as unknown as Vec3;
  const flips = second ?? '1';
  const params = scaledTissueParams(shape, 4);
  const dir = mkdtempSync(join(tmpdir(), 'dmdet-second-map-'));
  try {
    const file = join(dir, 'granular.tif');
    const simulated = simulateGeneral(params, deriveSeed(0x5ec0_d3a9, 1));
    await writeTiffFile(file, simulated.volume);
    await writePointsCsvFile(`${file}.truth.csv`, simulated.points);
    const voxels = shape[0] * shape[1] * shape[2];
    const flags = process.argv.slice(4);
    const child = (extra: string[]) => {
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, process.argv[1] as string, '--child', file, flips, ...flags, ...extra],
        { encoding: 'utf8', maxBuffer: 2 ** 28 },
      );
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    };
    const withDecoy = child([]);
    const without = child(['--no-decoy']);
    console.log(
      `volume ${shape.join('×')} (${(voxels / 1e6).toFixed(1)} M voxels), flips ${flips}${flags.length ? `, ${flags.join(' ')}` : ''}`,
    );
    const f1 = (r: { f1: number | null }) => (r.f1 === null ? 'n/a' : r.f1.toFixed(3));
    console.log(
      `with the decoy: peak ${withDecoy.peakMiB.toFixed(0)} MiB, F1 ${f1(withDecoy)}, decoy ${JSON.stringify(withDecoy.decoy)}`,
    );
    console.log(`--no-decoy:     peak ${without.peakMiB.toFixed(0)} MiB, F1 ${f1(without)}`);
    console.log(`blocks: ${JSON.stringify(withDecoy.blocks)} (null: the volume whole)`);
    const perVoxel = ((withDecoy.peakMiB - without.peakMiB) * 2 ** 20) / voxels;
    console.log(
      `difference ${(withDecoy.peakMiB - without.peakMiB).toFixed(0)} MiB: ${perVoxel.toFixed(1)} bytes per voxel (the memory model plans ${'secondMapBytesPerVoxel' in MEMORY_MODEL ? (MEMORY_MODEL as Record<string, number>)['secondMapBytesPerVoxel'] : 0})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
