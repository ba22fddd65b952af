/**
 * `npm run demo`: what dmdet can do today, on built-in data, in a few seconds.
 *
 * Until the detection pipeline lands, the demo exercises @dmdet/volume-io end to end on the
 * fixture zoo shipped with its tests (ImageJ and OME-TIFF stacks, hyperstacks, compressed, tiled,
 * big-endian and BigTIFF files written by tifffile and libtiff): it reads each file, prints what it
 * found, normalises one volume to [0, 1], writes it as an ImageJ TIFF, reads it back, and writes a
 * point list as CSV. Output goes to a new folder under demo-output/ (nothing is overwritten).
 */
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { minMax, normalizePercentile, readPtcXml, volumeDType } from '@dmdet/volume-io';
import {
  readPointsCsvFile,
  readTiffFile,
  readTiffFileInfo,
  writePointsCsvFile,
  writeTiffFile,
} from '@dmdet/volume-io/node';

const FIXTURES = join(import.meta.dirname, '..', 'packages', 'volume-io', 'test', 'fixtures');

async function main(): Promise<void> {
  const out = join('demo-output', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(out, { recursive: true });
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.tif') && !f.startsWith('bad_'))
    .sort();
  console.log(`Reading ${files.length} TIFF stacks from ${FIXTURES}\n`);
  const rows = [
    ['file', 'metadata', 'T', 'C', 'shape [z,y,x]', 'stored', 'dtype', 'voxel size µm [z,y,x]', 'min..max'],
  ];
  for (const f of files) {
    const path = join(FIXTURES, f);
    const info = await readTiffFileInfo(path);
    const v = await readTiffFile(path, { time: info.frames - 1, channel: info.channels - 1 });
    const { min, max } = minMax(v);
    rows.push([
      f,
      info.metadata,
      String(info.frames),
      String(info.channels),
      v.shape.join('×'),
      info.storedType,
      volumeDType(v),
      v.voxelSize ? v.voxelSize.map((s) => +s.toPrecision(4)).join(', ') : '-',
      `${min}..${max}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));

  const source = join(FIXTURES, 'imagej_hyperstack_tzcyx.tif');
  const volume = await readTiffFile(source, { time: 2, channel: 1 });
  const normalised = normalizePercentile(volume, { low: 1, high: 99.8 });
  const tif = join(out, 'hyperstack-t2-c1-normalised.tif');
  await writeTiffFile(tif, normalised);
  const back = await readTiffFile(tif);
  const same = back.data.every((x, i) => x === normalised.data[i]);
  console.log(`\nNormalised t=2 c=1 of ${source.split('/').pop()} to 1–99.8 % → ${tif}`);
  console.log(
    `  read back: shape ${back.shape.join('×')}, ${volumeDType(back)}, voxel size ${back.voxelSize?.join(', ')} µm, identical: ${same}`,
  );

  const truth = readPtcXml(
    '<root><TrackContestISBI2012 scenario="VIRUS"><particle><detection t="0" x="4.5" y="3.25" z="1"/></particle>' +
      '<particle><detection t="0" x="7" y="8" z="2.5"/></particle></TrackContestISBI2012></root>',
  );
  const csv = join(out, 'points.csv');
  await writePointsCsvFile(csv, truth, { voxelSize: volume.voxelSize });
  console.log(`Wrote ${truth.length} points (from PTC XML) with µm columns → ${csv}`);
  console.log(`  read back: ${JSON.stringify(await readPointsCsvFile(csv))}`);
  if (!same) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
