import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the TIFF fixture zoo written by make_fixtures.py. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** One fixture's expectations, as make_fixtures.py recorded them. */
export interface FixtureEntry {
  file: string;
  note: string;
  tczyx: [number, number, number, number, number];
  sourceDtype: string;
  expectedDtype: 'uint8' | 'uint16' | 'float32';
  voxelSize: [number, number, number] | null;
  select: { time: number; channel: number };
  expectError: string | null;
  tifffile?: { shape: number[]; dtype: string; axes: string };
}

export const manifest: { entries: FixtureEntry[] } = JSON.parse(
  readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'),
);

/** The same formula as `pattern()` in make_fixtures.py. */
export function patternValue(dtype: string, t: number, c: number, z: number, y: number, x: number): number {
  const v = t * 97 + c * 53 + z * 31 + y * 7 + x * 3;
  switch (dtype) {
    case 'uint8':
      return v % 251;
    case 'uint16':
      return (v * 131) % 65521;
    case 'int8':
      return (v % 251) - 125;
    case 'int16':
      return ((v * 131) % 60000) - 30000;
    case 'uint32':
      return v * 1009;
    case 'int32':
    case 'int64':
      return v * 1009 - 5000;
    default:
      return v * 0.25 - 50.5;
  }
}

/** The expected voxels of one (time, channel) volume of a fixture. */
export function expectedVolume(e: FixtureEntry): number[] {
  const [, , Z, Y, X] = e.tczyx;
  const out: number[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++)
        out.push(patternValue(e.sourceDtype, e.select.time, e.select.channel, z, y, x));
  return out;
}

/** A fixture's bytes as an ArrayBuffer of its own. */
export function fixtureBuffer(file: string): ArrayBuffer {
  const b = readFileSync(join(FIXTURES, file));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
