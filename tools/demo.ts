/**
 * `npm run demo`: what dmdet can do today, on built-in data, in a few seconds.
 *
 * Until the detection pipeline lands, the demo runs what exists end to end:
 * 1. @dmdet/simulate: one Particle Tracking Challenge-like volume (10×512×512, SNR 2, medium
 *    density, seed 1) with its ground truth;
 * 2. @dmdet/groundtruth: the training targets of DM-DetNet3D for it (density map, weight map);
 * 3. @dmdet/volume-io: all of it written as ImageJ TIFF + CSV, and the fixture zoo of its tests
 *    (ImageJ, OME-TIFF, hyperstacks, compressed, tiled, big-endian, BigTIFF) read and summarised.
 * Output goes to a new folder under demo-output/ (nothing is overwritten).
 */
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { densityMap, weightMap } from '@dmdet/groundtruth';
import { simulateVolume } from '@dmdet/simulate';
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

  let t = performance.now();
  const sim = simulateVolume({ snr: 2, density: 'medium', seed: 1, voxelSize: [0.3, 0.1, 0.1] });
  const simMs = performance.now() - t;
  t = performance.now();
  const y = densityMap(sim.points, sim.volume.shape, { sigmaXY: 1.4, sigmaZ: 1 });
  const w = weightMap(y, { lambda: 10, threshold: 0.2 });
  const targetMs = performance.now() - t;
  await writeTiffFile(join(out, 'simulated.tif'), sim.volume);
  await writePointsCsvFile(join(out, 'simulated-truth.csv'), sim.points, { voxelSize: sim.volume.voxelSize });
  await writeTiffFile(join(out, 'density-map.tif'), { ...y, voxelSize: sim.volume.voxelSize });
  await writeTiffFile(join(out, 'weight-map.tif'), { ...w, voxelSize: sim.volume.voxelSize });
  const heavy = w.data.reduce((n, v) => n + (v > 1 ? 1 : 0), 0);
  console.log(
    `Simulated ${sim.volume.shape.join('×')} at SNR 2 with ${sim.points.length} particles ` +
      `(background 10, peak ${sim.peakIntensity.toFixed(1)} photons) in ${simMs.toFixed(0)} ms;`,
  );
  console.log(
    `  density map max ${minMax(y).max.toFixed(3)}, weight map λ+1 on ${heavy} voxels ` +
      `(${((100 * heavy) / w.data.length).toFixed(2)} %), both in ${targetMs.toFixed(0)} ms`,
  );
  console.log(`  wrote simulated.tif, simulated-truth.csv, density-map.tif, weight-map.tif to ${out}\n`);
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
