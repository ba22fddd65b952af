/**
 * Read/write times of @dmdet/volume-io on a 10×512×512 uint16 stack, beside tifffile (Debian's
 * python3-tifffile) on the same files in the same run: `npm run bench:volume-io`.
 * The files are written by tifffile (ImageJ uncompressed, Deflate, and 8-row strips) into a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTiff, writeTiff } from '@dmdet/volume-io';
import { readTiffFile } from '@dmdet/volume-io/node';
import { requirePython } from './lib/python-check';

const python = requirePython('bench:volume-io', ['numpy', 'tifffile']);
const dir = mkdtempSync(join(tmpdir(), 'dmdet-bench-'));
const REPEATS = 5;

function best(fn: () => unknown): Promise<number> {
  return (async () => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < REPEATS; i++) {
      const t = performance.now();
      await fn();
      min = Math.min(min, performance.now() - t);
    }
    return min;
  })();
}

try {
  const py = `
import sys, time, numpy as np, tifffile
d = sys.argv[1]
a = (np.random.default_rng(0).random((10, 512, 512)) * 4000).astype(np.uint16)
tifffile.imwrite(f'{d}/imagej.tif', a, imagej=True, metadata={'spacing': 0.3, 'unit': 'micron'}, resolution=(10, 10))
tifffile.imwrite(f'{d}/deflate.tif', a, compression='zlib')
tifffile.imwrite(f'{d}/strips8.tif', a, rowsperstrip=8)
def best(f):
    m = 1e9
    for _ in range(${REPEATS}):
        t = time.perf_counter(); f(); m = min(m, time.perf_counter() - t)
    return m * 1000
for name in ('imagej', 'deflate', 'strips8'):
    print(name, best(lambda: tifffile.imread(f'{d}/{name}.tif')))
print('write', best(lambda: tifffile.imwrite(f'{d}/w.tif', a, imagej=True)))
`;
  const ref = Object.fromEntries(
    execFileSync(python, ['-c', py, dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  );
  console.log(`10×512×512 uint16, best of ${REPEATS}; baseline: tifffile (Python) on the same files\n`);
  console.log('case                       dmdet ms   tifffile ms   dmdet / tifffile');
  const row = (name: string, ours: number, theirs: number) =>
    console.log(
      `${name.padEnd(26)} ${ours.toFixed(1).padStart(8)}   ${theirs.toFixed(1).padStart(11)}   ${(ours / theirs).toFixed(2).padStart(16)}`,
    );
  for (const name of ['imagej', 'deflate', 'strips8']) {
    const path = join(dir, `${name}.tif`);
    const b = readFileSync(path);
    const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    row(`read ${name} (ArrayBuffer)`, await best(() => readTiff(buf)), ref[name] as number);
    row(`read ${name} (file, lazy)`, await best(() => readTiffFile(path)), ref[name] as number);
  }
  const volume = await readTiffFile(join(dir, 'imagej.tif'));
  row('write ImageJ (to memory)', await best(() => writeTiff(volume)), ref['write'] as number);
  console.log('\n(tifffile writes to a file; dmdet encodes to an ArrayBuffer.)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
