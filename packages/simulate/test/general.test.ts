import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPointsCsvFile, readTiffFile } from '@dmdet/volume-io/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  amplitudeForLocalSnr,
  applyCamera,
  GENERAL_CENTRE,
  GENERAL_MAX_SPOTS,
  GENERAL_RANGES,
  type GeneralOverrides,
  type GeneralRangeName,
  generalPlan,
  generalPsfValue,
  localSnr,
  mergeGeneralParams,
  renderGeneral,
  SimulateError,
  sampleGeneralParams,
  simulateGeneral,
} from '../src/index';
import { simulateDataset } from '../src/node';
import { plainGeneral } from './general-helpers';

function get(record: unknown, path: string): number {
  return path.split('.').reduce((v, k) => (v as Record<string, unknown>)[k], record) as number;
}

/** Trilinear interpolation, written out again here. */
function trilinear(data: Float32Array, [Z, Y, X]: readonly number[], p: { x: number; y: number; z: number }) {
  let v = 0;
  const z0 = Math.min(Math.floor(p.z), Z! - 1);
  const y0 = Math.min(Math.floor(p.y), Y! - 1);
  const x0 = Math.min(Math.floor(p.x), X! - 1);
  for (const dz of [0, 1])
    for (const dy of [0, 1])
      for (const dx of [0, 1]) {
        const w =
          (dz ? p.z - z0 : 1 - (p.z - z0)) *
          (dy ? p.y - y0 : 1 - (p.y - y0)) *
          (dx ? p.x - x0 : 1 - (p.x - x0));
        if (w === 0) continue;
        v += w * (data[((z0 + dz) * Y! + y0 + dy) * X! + x0 + dx] as number);
      }
  return v;
}

describe('sampleGeneralParams', () => {
  it('is seeded, JSON-serialisable, and different per seed', () => {
    const a = sampleGeneralParams(11);
    expect(sampleGeneralParams(11)).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(sampleGeneralParams(12)).not.toEqual(a);
  });

  it('draws every parameter inside its documented range, over many seeds', () => {
    const seen: Record<string, number[]> = {};
    for (let seed = 0; seed < 400; seed++) {
      const p = sampleGeneralParams(seed);
      const [Z, Y, X] = p.shape;
      expect([Y, X]).toEqual([256, 256]);
      const values: Record<string, number> = {
        'shape.z': Z,
        'psf.tilt': Math.hypot(p.psf.tilt.x, p.psf.tilt.y),
      };
      for (const key of Object.keys(GENERAL_RANGES))
        if (!(key in values) && key !== 'spots.density' && key !== 'background.cells.coverage')
          values[key] = get(p, key);
      const perBlobArea = (Y * X) / 65536;
      values['background.blobs.count'] = p.background.blobs.count / perBlobArea;
      for (const [key, v] of Object.entries(values)) {
        const r = GENERAL_RANGES[key as GeneralRangeName];
        seen[key] = [...(seen[key] ?? []), v];
        if (v === 0 && r.off) continue;
        // Blob counts are rounded after scaling to the plane.
        const slack = key === 'background.blobs.count' ? 0.5 / perBlobArea : 1e-9;
        expect(v, `${key} = ${v} at seed ${seed}`).toBeGreaterThanOrEqual(r.min - slack);
        expect(v, `${key} = ${v} at seed ${seed}`).toBeLessThanOrEqual(r.max + slack);
      }
      // Derived counts: from density (spots) and coverage (cells).
      const psfVolumes = (Z * Y * X) / (1000 * p.psf.sigmaXY ** 2 * p.psf.sigmaZ);
      const d = GENERAL_RANGES['spots.density'];
      expect(p.spots.count).toBeGreaterThanOrEqual(
        Math.min(GENERAL_MAX_SPOTS, Math.max(1, Math.round(d.min * psfVolumes))),
      );
      expect(p.spots.count).toBeLessThanOrEqual(
        Math.min(GENERAL_MAX_SPOTS, Math.max(1, Math.round(d.max * psfVolumes))),
      );
      const cellArea = Math.PI * p.background.cells.radius ** 2;
      const cov = GENERAL_RANGES['background.cells.coverage'];
      expect(p.background.cells.count).toBeGreaterThanOrEqual(
        Math.max(1, Math.round((cov.min * Y * X) / cellArea)),
      );
      expect(p.background.cells.count).toBeLessThanOrEqual(
        Math.max(1, Math.round((cov.max * Y * X) / cellArea)),
      );
      expect(p.background.blobs.radius).toEqual([2, 6]);
      expect(p.background.blobs.brightness).toEqual([3, 20]);
      expect(p.spots.pairDistance).toEqual([1.5, 3]);
    }
    // Each range is used, not just respected: values reach near both ends; features are off about as often as documented.
    for (const [key, values] of Object.entries(seen)) {
      const r = GENERAL_RANGES[key as GeneralRangeName];
      const on = values.filter((v) => !(v === 0 && r.off));
      const span = r.max - r.min;
      if (key !== 'background.blobs.count') {
        expect(Math.min(...on), key).toBeLessThan(r.min + 0.1 * span);
        expect(Math.max(...on), key).toBeGreaterThan(r.max - 0.1 * span);
      }
      const offRate = 1 - on.length / values.length;
      expect(Math.abs(offRate - (r.off ?? 0)), key).toBeLessThan(0.08);
    }
  });

  it('names every range in the README', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
    for (const key of Object.keys(GENERAL_RANGES)) expect(readme, key).toContain(`\`${key}\``);
  });

  it('respects overrides, the shape and the SNR option, and leaves the other draws alone', () => {
    const base = sampleGeneralParams(5, { shape: [7, 40, 50] });
    const p = sampleGeneralParams(5, {
      shape: [7, 40, 50],
      overrides: {
        psf: { sigmaXY: 2, halo: { amplitude: 0.2 } },
        spots: { count: 17 },
        camera: { offset: 1234 },
      },
    });
    expect(p.shape).toEqual([7, 40, 50]);
    expect(p.psf.sigmaXY).toBe(2);
    expect(p.psf.halo).toEqual({ amplitude: 0.2, width: base.psf.halo.width });
    expect(p.spots.count).toBe(17);
    expect(p.camera).toEqual({ ...base.camera, offset: 1234 });
    expect(p.background).toEqual(base.background);
    expect(p.psf.sigmaZ).toBe(base.psf.sigmaZ);
    expect(sampleGeneralParams(5, { snr: 3.5 }).spots.snr).toBe(3.5);
    for (let seed = 0; seed < 50; seed++) {
      const s = sampleGeneralParams(seed, { snr: [2, 3] }).spots.snr;
      expect(s).toBeGreaterThanOrEqual(2);
      expect(s).toBeLessThanOrEqual(3);
    }
    expect(sampleGeneralParams(5, { overrides: { shape: [9, 20, 30] } }).shape).toEqual([9, 20, 30]);
    expect(() => sampleGeneralParams(5, { overrides: { psf: { sigma: 2 } as never } })).toThrow(
      /unknown parameter psf\.sigma/,
    );
    expect(() => sampleGeneralParams(5, { overrides: { psf: { sigmaXY: -1 } } })).toThrow(/psf\.sigmaXY/);
    expect(() => sampleGeneralParams(5, { snr: [3, 2] })).toThrow(/snr/);
  });
});

describe('sampleGeneralParams: offScale', () => {
  const departures = (p: ReturnType<typeof sampleGeneralParams>) => [
    p.psf.halo.amplitude,
    p.psf.axialElongation.amplitude,
    p.background.blobs.count,
    p.background.haze,
    p.background.gradient,
    p.spots.clusterFraction,
    p.spots.pairFraction,
  ];
  it('1 is the family as documented; 0 turns every optional departure on; the values are the same draws', () => {
    let offAtOne = 0;
    for (let seed = 0; seed < 40; seed++) {
      const base = sampleGeneralParams(seed, { size: [256, 256] });
      expect(sampleGeneralParams(seed, { size: [256, 256], offScale: 1 })).toEqual(base);
      const on = sampleGeneralParams(seed, { size: [256, 256], offScale: 0 });
      expect(departures(on).every((v) => v > 0)).toBe(true);
      // Where a departure is on at offScale 1, it has the same value at 0.
      departures(base).forEach((v, k) => {
        if (v > 0) expect(departures(on)[k]).toBe(v);
        else offAtOne++;
      });
    }
    expect(offAtOne).toBeGreaterThan(40); // about half of 7 × 40 are off in the family as documented
    expect(() => sampleGeneralParams(1, { offScale: -1 })).toThrow(/offScale/);
  });
});

describe('simulateGeneral', () => {
  const small = (o: GeneralOverrides = {}) =>
    mergeGeneralParams(sampleGeneralParams(3, { shape: [6, 48, 40] }), o);

  it('gives the same bytes for the same params and seed, others for another seed', () => {
    const p = small();
    const a = simulateGeneral(p, 9);
    const b = simulateGeneral(JSON.parse(JSON.stringify(p)), 9);
    expect(b.volume.data).toEqual(a.volume.data);
    expect(b.points).toEqual(a.points);
    expect(a.params).toEqual(p);
    expect(a.volume.shape).toEqual([6, 48, 40]);
    expect(a.spotSigma).toEqual({ xy: p.psf.sigmaXY, z: p.psf.sigmaZ });
    expect(simulateGeneral(p, 10).volume.data).not.toEqual(a.volume.data);
  });

  it('sets each amplitude from the local SNR: hand computation on an isolated spot, fitted on the noiseless expectation', () => {
    // Background 20 photons, read noise 3 counts at gain 1.5 (2 photons), SNR 3:
    // A = (9 + sqrt(81 + 4·9·(20 + 4))) / 2 = (9 + sqrt(945)) / 2 = 19.8704...
    const hand = (9 + Math.sqrt(945)) / 2;
    expect(amplitudeForLocalSnr(3, 20, 2)).toBeCloseTo(hand, 12);
    expect(localSnr(hand, 20, 2)).toBeCloseTo(3, 12);
    for (const psf of [{}, { halo: { amplitude: 0.3, width: 2.5 }, tilt: { x: 0.2, y: -0.1 } }]) {
      const p = plainGeneral({
        shape: [15, 31, 31],
        camera: { gain: 1.5, readNoise: 3 },
        background: { level: 20 },
        psf,
        spots: { count: 1, snr: 3 },
      });
      const e = renderGeneral(p, 4);
      const s = e.points[0]!;
      expect(s.intensity).toBeCloseTo(hand, 4);
      expect(s.background).toBeCloseTo(20, 5);
      expect(s.snr).toBeCloseTo(3, 12);
      // Fit A by least squares on the rendered spot, background from the volume's corner.
      const [Z, Y, X] = p.shape;
      const b = e.photons[0]!;
      expect(b).toBeCloseTo(20, 5);
      let num = 0;
      let den = 0;
      for (let z = 0; z < Z; z++)
        for (let y = 0; y < Y; y++)
          for (let x = 0; x < X; x++) {
            const g = generalPsfValue(p.psf, x - s.x, y - s.y, z - s.z);
            num += (e.photons[(z * Y + y) * X + x]! - b) * g;
            den += g * g;
          }
      const a = num / den;
      expect(a / hand).toBeCloseTo(1, 3);
      expect(a / Math.sqrt(b + a + 2 * 2)).toBeCloseTo(3, 2);
    }
  });

  it('uses each spot’s own local background (cells) and its brightness factor', () => {
    const p = plainGeneral({
      shape: [8, 64, 64],
      camera: { gain: 2, readNoise: 4 },
      background: {
        level: 5,
        cells: { count: 3, radius: 18, height: 10, brightness: 5, nucleusBrightness: 1.4 },
      },
      spots: { count: 60, snr: 2.5, amplitudeSpread: 0.5, insideCells: 1 },
    });
    const e = renderGeneral(p, 2);
    const sigmaBg = Math.sqrt(5 + 2 * 2);
    let inCells = 0;
    for (const s of e.points) {
      expect(s.background).toBeCloseTo(trilinear(e.background, p.shape, s), 3);
      expect(localSnr(s.intensity, s.background, 2)).toBeCloseTo(s.snr, 9);
      if (s.background > 5 + 2 * sigmaBg) inCells++;
    }
    expect(inCells / e.points.length).toBeGreaterThan(0.9);
    const logs = e.points.map((s) => Math.log(s.snr / 2.5));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
    expect(sd).toBeGreaterThan(0.35);
    expect(sd).toBeLessThan(0.65);
    // Without the preference for cells, far fewer spots sit on them.
    const anywhere = renderGeneral(mergeGeneralParams(p, { spots: { insideCells: 0 } }), 2);
    const share =
      anywhere.points.filter((s) => s.background > 5 + 2 * sigmaBg).length / anywhere.points.length;
    expect(share).toBeLessThan(0.7);
  });

  it('follows the camera model: mean offset + gain·photons, variance gain²·photons + read²', () => {
    const p = plainGeneral({
      shape: [4, 128, 128],
      camera: { offset: 300, gain: 2.5, readNoise: 4 },
      background: { level: 50 },
      spots: { count: 0 },
    });
    const data = simulateGeneral(p, 1).volume.data;
    let sum = 0;
    for (const v of data) sum += v;
    const mean = sum / data.length;
    let ss = 0;
    for (const v of data) ss += (v - mean) ** 2;
    const variance = ss / (data.length - 1);
    expect(mean).toBeCloseTo(300 + 2.5 * 50, 0);
    const expected = 2.5 * 2.5 * 50 + 16 + 1 / 12;
    expect(Math.abs(variance / expected - 1)).toBeLessThan(0.03);
    // The same through applyCamera on a flat expectation, at another level and gain.
    const flat = new Float32Array(65536).fill(8);
    const counts = applyCamera(
      flat,
      [1, 256, 256],
      { offset: 100, gain: 0.7, readNoise: 2, hotPixelFraction: 0, hotPixelLevel: 0 },
      3,
    );
    const m = counts.reduce((a, b) => a + b, 0) / counts.length;
    const v = counts.reduce((a, b) => a + (b - m) ** 2, 0) / (counts.length - 1);
    expect(m).toBeCloseTo(100 + 0.7 * 8, 1);
    expect(Math.abs(v / (0.49 * 8 + 4 + 1 / 12) - 1)).toBeLessThan(0.03);
  });

  it('puts hot pixels at the same (x, y) in every slice, far above, and not in the truth', () => {
    const p = plainGeneral({
      shape: [5, 64, 64],
      camera: { offset: 100, gain: 1, readNoise: 2, hotPixelFraction: 2e-3, hotPixelLevel: 2000 },
      spots: { count: 0 },
    });
    const { volume, points } = simulateGeneral(p, 6);
    expect(points).toEqual([]);
    const plane = 64 * 64;
    let hot = 0;
    for (let i = 0; i < plane; i++) {
      const column = [0, 1, 2, 3, 4].map((z) => volume.data[z * plane + i]!);
      if (column[0]! > 400) {
        hot++;
        expect(Math.min(...column)).toBeGreaterThan(400);
      } else expect(Math.max(...column)).toBeLessThan(200);
    }
    expect(hot).toBeGreaterThanOrEqual(5);
    expect(hot).toBeLessThanOrEqual(Math.round(2e-3 * plane));
  });

  it('handles one slice and five slices', () => {
    for (const z of [1, 5]) {
      const p = small({ shape: [z, 32, 36], spots: { count: 40, clusterFraction: 0.3, pairFraction: 0.2 } });
      const { volume, points } = simulateGeneral(p, 1);
      expect(volume.shape).toEqual([z, 32, 36]);
      expect(points).toHaveLength(40);
      for (const q of points) {
        expect(q.z).toBeGreaterThanOrEqual(0);
        expect(q.z).toBeLessThanOrEqual(z - 1);
        expect(Number.isFinite(q.intensity)).toBe(true);
      }
      const e = renderGeneral(p, 1);
      expect(e.photons.every(Number.isFinite)).toBe(true);
    }
  });

  it('renders a spot on the border exactly (cut, not wrapped)', () => {
    for (const seed of [1, 2, 3]) {
      const p = plainGeneral({
        shape: [5, 6, 7],
        psf: {
          halo: { amplitude: 0.2, width: 2 },
          axialElongation: { amplitude: 0.2, length: 2, offset: 0.5 },
        },
        spots: { count: 1, snr: 5 },
      });
      const e = renderGeneral(p, seed);
      const s = e.points[0]!;
      const [Z, Y, X] = p.shape;
      for (let z = 0; z < Z; z++)
        for (let y = 0; y < Y; y++)
          for (let x = 0; x < X; x++) {
            const i = (z * Y + y) * X + x;
            const want = s.intensity * generalPsfValue(p.psf, x - s.x, y - s.y, z - s.z);
            // Exact up to the cuts: core at 4 σ (e^-8 of its peak), halo and tail at 3 σ (e^-4.5 of their 0.2).
            expect(Math.abs(e.photons[i]! - e.background[i]! - want)).toBeLessThan(
              (Math.exp(-8) + 0.4 * Math.exp(-4.5)) * s.intensity,
            );
          }
    }
  });

  it('count 0: no points, pure background', () => {
    const p = small({ spots: { count: 0 } });
    const e = renderGeneral(p, 5);
    expect(e.points).toEqual([]);
    expect(e.photons).toEqual(e.background);
    expect(simulateGeneral(p, 5).points).toEqual([]);
  });

  it('puts bright blobs in the image and not in the truth', () => {
    const p = plainGeneral({
      shape: [10, 64, 64],
      background: { blobs: { count: 4, radius: [3, 5], brightness: [5, 10] } },
      spots: { count: 30, snr: 4 },
    });
    const e = renderGeneral(p, 8);
    expect(e.points).toHaveLength(30);
    const reference = amplitudeForLocalSnr(4, 10, 2);
    // The brightest voxel is a blob's (spots peak at the reference amplitude, blobs at 5–10×).
    let at = 0;
    for (let i = 0; i < e.photons.length; i++) if (e.photons[i]! > e.photons[at]!) at = i;
    expect(e.photons[at]! - 10).toBeGreaterThan(3 * reference);
    const [z, y, x] = [Math.floor(at / 4096), Math.floor(at / 64) % 64, at % 64];
    const nearest = Math.min(...e.points.map((q) => Math.hypot(q.x - x, q.y - y, q.z - z)));
    expect(nearest).toBeGreaterThan(2);
    // Blobs are background: no blob, no such voxel.
    const none = renderGeneral(mergeGeneralParams(p, { background: { blobs: { count: 0 } } }), 8);
    expect(Math.max(...none.photons) - 10).toBeLessThan(1.5 * reference);
  });

  it('places clusters and touching pairs, with their ids', () => {
    const p = plainGeneral({
      shape: [12, 96, 96],
      spots: { count: 60, clusterFraction: 0.3, clusterSize: 3, pairFraction: 0.4, pairDistance: [1.5, 3] },
    });
    const { points } = renderGeneral(p, 3);
    expect(points.filter((q) => q.cluster >= 0 && q.cluster < 6)).toHaveLength(18);
    const pairs = new Map<number, typeof points>();
    for (const q of points) if (q.cluster >= 6) pairs.set(q.cluster, [...(pairs.get(q.cluster) ?? []), q]);
    expect(pairs.size).toBe(12);
    for (const [a, b] of pairs.values()) {
      const d = Math.hypot((a!.x - b!.x) / 1.4, (a!.y - b!.y) / 1.4, (a!.z - b!.z) / 1);
      expect(d).toBeLessThanOrEqual(3 + 1e-9);
    }
    expect(points.filter((q) => q.cluster === -1)).toHaveLength(60 - 18 - 24);
  });

  it('clips to uint16 without wrapping', () => {
    const bright = simulateGeneral(
      plainGeneral({
        shape: [2, 16, 16],
        camera: { offset: 65000, gain: 5 },
        background: { level: 1000 },
        spots: { count: 0 },
      }),
      1,
    );
    expect(Math.min(...bright.volume.data)).toBe(65535);
    const dark = simulateGeneral(
      plainGeneral({
        shape: [2, 32, 32],
        camera: { offset: 0, readNoise: 10 },
        background: { level: 0.5 },
        spots: { count: 0 },
      }),
      1,
    );
    expect(Math.min(...dark.volume.data)).toBe(0);
    expect(Math.max(...dark.volume.data)).toBeLessThan(100);
  });

  it('rejects invalid params, naming the field', () => {
    expect(() => simulateGeneral(mergeGeneralParams(GENERAL_CENTRE, { psf: { sigmaXY: 0 } }), 1)).toThrow(
      /psf\.sigmaXY/,
    );
    expect(() => simulateGeneral({ ...GENERAL_CENTRE, shape: [0, 4, 4] }, 1)).toThrow(SimulateError);
    expect(() => simulateGeneral(GENERAL_CENTRE, 1.5)).toThrow(/seed/);
  });

  it('simulates the centre (16×256×256) with its 200 spots', () => {
    const { volume, points } = simulateGeneral(GENERAL_CENTRE, 1);
    expect(volume.shape).toEqual([16, 256, 256]);
    expect(points).toHaveLength(200);
  });
});

describe('general datasets', () => {
  const root = mkdtempSync(join(tmpdir(), 'dmdet-general-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('plans ids, SNRs and seeds; the sample remakes alone', () => {
    const plan = generalPlan({ snrs: [2, 7], perLevel: 2, size: [32, 32], seed: 3 });
    expect(plan.map((e) => e.id)).toEqual([
      'general_snr2_000',
      'general_snr2_001',
      'general_snr7_000',
      'general_snr7_001',
    ]);
    expect(plan.map((e) => e.snr)).toEqual([2, 2, 7, 7]);
    expect(plan[0]!.params.shape.slice(1)).toEqual([32, 32]);
    expect(plan[1]!.params).toEqual(sampleGeneralParams(plan[1]!.seed, { size: [32, 32], snr: 2 }));
    const drawn = generalPlan({ perLevel: 3, shape: [5, 16, 16], snrRange: [1, 2] });
    expect(drawn.map((e) => e.id)).toEqual(['general_000', 'general_001', 'general_002']);
    for (const e of drawn) expect(e.snr).toBeGreaterThanOrEqual(1);
  });

  it('writes TIFF + CSV (with snr and background columns) and a manifest holding each sample’s params', async () => {
    const out = join(root, 'ds');
    const manifest = await simulateDataset({
      out,
      scenario: 'general',
      snrs: [2, 4],
      perLevel: 2,
      shape: [5, 24, 24],
      seed: 4,
    });
    expect(manifest.scenario).toBe('general');
    expect(manifest.split.groupBy).toBe('snr');
    expect(manifest.samples).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toEqual(manifest);
    const first = manifest.samples[0]!;
    expect(first.density).toBe('general');
    const again = simulateGeneral(first.params!, first.seed);
    expect((await readTiffFile(join(out, first.image))).data).toEqual(again.volume.data);
    const truth = await readPointsCsvFile(join(out, first.truth));
    expect(truth).toHaveLength(first.count);
    expect(
      truth.map((q) => [q.x, q.y, q.z, q['intensity'], q['cluster'], q['snr'], q['background']]),
    ).toEqual(again.points.map((q) => [q.x, q.y, q.z, q.intensity, q.cluster, q.snr, q.background]));
    for (const snr of [2, 4])
      expect(
        manifest.samples
          .filter((s) => s.snr === snr)
          .map((s) => s.split)
          .sort(),
      ).toEqual(['train', 'validation']);
  });

  it('does not group the split when the SNR is drawn per volume', async () => {
    const manifest = await simulateDataset({
      out: join(root, 'drawn'),
      scenario: 'general',
      perLevel: 4,
      shape: [5, 16, 16],
    });
    expect(manifest.split.groupBy).toBe('none');
    expect(manifest.samples.map((s) => s.split).sort()).toEqual(['test', 'train', 'train', 'validation']);
  });
});
