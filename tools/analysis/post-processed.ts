/**
 * Stacks as users' software leaves them: the general family's centre scene (`GENERAL_CENTRE`:
 * 16×256×256, 200 spots, camera offset 100, background 10 photons, read noise 2, mild cells; σxy and
 * σz of `--sigma` if given), each volume changed after simulation by one of `kinds`, scored with a
 * model's default flags beside SEF3D with the true σ and the threshold best on 2 validation volumes
 * of the same case, changed alike (as `bench:robustness` gives it). Seeds of their own (parent
 * 0x0dd00007); the same volumes for every kind. Kinds:
 *
 * - `none`: as simulated (uint16 counts);
 * - `u8`: converted to 8 bits over its full range; `u8-sat`: over the range with 0.35 % saturated
 *   at each end (Fiji's "auto" contrast, then 8-bit);
 * - `float01`: float, divided by its maximum;
 * - `bgsub-clip`: a smooth background (per slice, Gaussian σ 10 px) subtracted and negatives stored
 *   as 0, about half the voxels; `bgsub-neg`: the same, negatives kept (float);
 * - `rb-clip`: a rolling-ball-like background (per slice: a 3×3 smoothing, a grey opening of 25×25,
 *   a Gaussian σ 5 px: the lower envelope) subtracted, negatives stored as 0 (uint16);
 * - `offset-over`: the camera offset over-subtracted (by the background and 2 read-noise σ) and
 *   stored as uint16: most voxels 0;
 * - `pad-zero`: a wedge of zeros, as deskewed or stitched volumes have (x < 0.4·X·(1 − z/Z));
 *   `pad-nan`: the same wedge of NaN (float: a stack masked or registered in Python); spots in it or
 *   within 3 px of its edge are left out of the truth, and detections there or within 5 voxels of
 *   such a spot out of the scores;
 * - `smooth0.7`: Gaussian-smoothed, σ 0.7 voxel (denoised or deconvolved; correlated noise);
 *   `smooth-xy1`: in-plane σ 1 px;
 * - `flicker`: each slice's signal above the offset × a gain uniform in 0.75–1.25 (laser flicker);
 *   `slice-offset`: each slice + an offset uniform in ±10 counts;
 * - `columns`: a fixed offset per column of the camera, normal with σ 3 counts (sCMOS column noise);
 * - `bleach`: the signal above the offset fading to 0.3 through the stack;
 * - `tiles`: a 2×2 mosaic stitched without blending, each tile with its own gain (0.6–1.4 on the
 *   signal above the offset) and offset (±20 counts);
 * - `z-interp3`: 3× as many slices, interpolated linearly between the slices (Fiji's Scale, or an
 *   isotropic reslice; float): σz 3 slices, and noise correlated along z; the truth's z × 3.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/post-processed.ts [model default] [kinds: all, or a list] [snrs 4,7] [volumes 3] [--sigma xy,z]
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, GENERAL_CENTRE, mergeGeneralParams, Random, simulateGeneral } from '@dmdet/simulate';
import { createVolume, type Volume } from '@dmdet/volume-io';
import { tunedSef3d } from '../lib/sef3d-tuned';

type Shape = readonly [number, number, number];

/** Separable Gaussian along one axis (mirrored at the edges). */
function blurAxis(d: Float32Array, shape: Shape, axis: 0 | 1 | 2, sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = kernel.reduce((a, b) => a + b, 0);
  const [Z, Y, X] = shape;
  const n = shape[axis];
  const stride = axis === 0 ? Y * X : axis === 1 ? X : 1;
  const out = new Float32Array(d.length);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const i = (z * Y + y) * X + x;
        const p = axis === 0 ? z : axis === 1 ? y : x;
        let s = 0;
        for (let j = -radius; j <= radius; j++) {
          let q = Math.abs(p + j);
          if (q >= n) q = Math.max(0, 2 * n - 2 - q);
          s += (kernel[j + radius] as number) * (d[i + (q - p) * stride] as number);
        }
        out[i] = s / total;
      }
  return out;
}

/** In-plane minimum (or maximum) over a (2r+1)² square, per slice. */
function planeExtreme(d: Float32Array, shape: Shape, r: number, max: boolean): Float32Array {
  const [Z, Y, X] = shape;
  const pass = (a: Float32Array, alongX: boolean) => {
    const out = new Float32Array(a.length);
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          let m = max ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
          for (let j = -r; j <= r; j++) {
            const yy = alongX ? y : y + j;
            const xx = alongX ? x + j : x;
            if (yy < 0 || yy >= Y || xx < 0 || xx >= X) continue;
            const v = a[(z * Y + yy) * X + xx] as number;
            m = max ? Math.max(m, v) : Math.min(m, v);
          }
          out[(z * Y + y) * X + x] = m;
        }
    return out;
  };
  return pass(pass(d, true), false);
}

const OFFSET = GENERAL_CENTRE.camera.offset;

/** x of the padding wedge's edge in slice z of a Z×·×X volume. */
function padEdge(z: number, Z: number, X: number): number {
  return 0.4 * X * (1 - z / Z);
}

/** Whether a point lies 3 px or more beyond the padding wedge's edge (what the pad kinds score). */
function outsidePad(p: { x: number; z: number }, Z: number, X: number): boolean {
  return p.x >= padEdge(Math.round(p.z), Z, X) + 3;
}

/**
 * Whether a detection is scored: everywhere, except in the pad kinds, where one in the padding or
 * within 3 px of its edge, or within the gate (5 voxels) of a spot left out of the truth for lying
 * there, is neither right nor wrong (it would be matched, or not, by where its z rounds to).
 */
function scored(
  p: { x: number; y: number; z: number },
  item: { volume: Volume; dropped: readonly { x: number; y: number; z: number }[] },
): boolean {
  const [Z, , X] = item.volume.shape;
  if (item.dropped.length === 0) return true;
  return outsidePad(p, Z, X) && item.dropped.every((q) => Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z) > 5);
}

/** One volume changed by `kind`; `random` draws what it needs. */
function change(kind: string, volume: Volume, random: Random): Volume {
  const shape = volume.shape;
  const [Z, Y, X] = shape;
  const plane = Y * X;
  const f = Float32Array.from(volume.data);
  const smoothBackground = () => blurAxis(blurAxis(f, shape, 1, 10), shape, 2, 10);
  const perSlice = (g: (z: number) => (v: number) => number) => {
    for (let z = 0; z < Z; z++) {
      const h = g(z);
      for (let i = z * plane; i < (z + 1) * plane; i++) f[i] = h(f[i] as number);
    }
    return createVolume(f, shape);
  };
  switch (kind) {
    case 'none':
      return volume;
    case 'u8':
    case 'u8-sat': {
      const sorted = Float32Array.from(f).sort();
      const cut = kind === 'u8' ? 0 : Math.floor(0.0035 * sorted.length);
      const lo = sorted[cut] as number;
      const hi = sorted[sorted.length - 1 - cut] as number;
      return createVolume(
        Uint8Array.from(f, (v) => Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)))),
        shape,
      );
    }
    case 'float01': {
      const hi = f.reduce((a, b) => Math.max(a, b), 0);
      return createVolume(
        f.map((v) => v / hi),
        shape,
      );
    }
    case 'bgsub-clip':
    case 'bgsub-neg': {
      const bg = smoothBackground();
      const clip = kind === 'bgsub-clip' ? 0 : Number.NEGATIVE_INFINITY;
      return createVolume(
        f.map((v, i) => Math.max(clip, v - (bg[i] as number))),
        shape,
      );
    }
    case 'rb-clip': {
      const smoothed = blurAxis(blurAxis(f, shape, 1, 0.6), shape, 2, 0.6);
      const opened = planeExtreme(planeExtreme(smoothed, shape, 12, false), shape, 12, true);
      const bg = blurAxis(blurAxis(opened, shape, 1, 5), shape, 2, 5);
      return createVolume(
        Uint16Array.from(f, (v, i) => Math.max(0, Math.round(v - (bg[i] as number)))),
        shape,
      );
    }
    case 'offset-over': {
      const { level } = GENERAL_CENTRE.background;
      const over = OFFSET + level + 2 * GENERAL_CENTRE.camera.readNoise;
      return createVolume(
        Uint16Array.from(f, (v) => Math.max(0, Math.round(v - over))),
        shape,
      );
    }
    case 'pad-zero':
    case 'pad-nan': {
      const fill = kind === 'pad-zero' ? 0 : Number.NaN;
      for (let z = 0; z < Z; z++)
        for (let y = 0; y < Y; y++)
          for (let x = 0; x < X && x < padEdge(z, Z, X); x++) f[(z * Y + y) * X + x] = fill;
      return kind === 'pad-zero' ? createVolume(Uint16Array.from(f), shape) : createVolume(f, shape);
    }
    case 'smooth0.7':
      return createVolume(
        blurAxis(blurAxis(blurAxis(f, shape, 0, 0.7), shape, 1, 0.7), shape, 2, 0.7),
        shape,
      );
    case 'smooth-xy1':
      return createVolume(blurAxis(blurAxis(f, shape, 1, 1), shape, 2, 1), shape);
    case 'flicker':
      return perSlice(() => {
        const g = 0.75 + 0.5 * random.float();
        return (v) => OFFSET + (v - OFFSET) * g;
      });
    case 'slice-offset':
      return perSlice(() => {
        const o = (random.float() - 0.5) * 20;
        return (v) => v + o;
      });
    case 'columns': {
      const column = Array.from({ length: X }, () => 3 * random.normal());
      return createVolume(
        f.map((v, i) => v + (column[i % X] as number)),
        shape,
      );
    }
    case 'tiles': {
      // A 2×2 mosaic stitched without blending: each tile's signal above the offset × a gain in
      // 0.6–1.4 and its offset moved by up to ±20 counts (tiles taken at other exposures or days).
      const tile = Array.from({ length: 4 }, () => ({
        gain: 0.6 + 0.8 * random.float(),
        shift: (random.float() - 0.5) * 40,
      }));
      for (let i = 0; i < f.length; i++) {
        const y = Math.floor(i / X) % Y;
        const x = i % X;
        const t = tile[(y < Y / 2 ? 0 : 2) + (x < X / 2 ? 0 : 1)] as { gain: number; shift: number };
        f[i] = OFFSET + t.shift + ((f[i] as number) - OFFSET) * t.gain;
      }
      return createVolume(f, shape);
    }
    case 'z-interp3': {
      // Slices interpolated linearly to 3× as many (Fiji's Scale or an isotropic reslice): slice j
      // at the original slice j / 3, float.
      const Z3 = 3 * (Z - 1) + 1;
      const out = new Float32Array(Z3 * plane);
      for (let j = 0; j < Z3; j++) {
        const a = Math.floor(j / 3);
        const w = j / 3 - a;
        const b = Math.min(Z - 1, a + 1);
        for (let i = 0; i < plane; i++)
          out[j * plane + i] = (1 - w) * (f[a * plane + i] as number) + w * (f[b * plane + i] as number);
      }
      return createVolume(out, [Z3, Y, X]);
    }
    case 'bleach':
      return perSlice((z) => {
        const g = 0.3 ** (z / Math.max(1, Z - 1));
        return (v) => OFFSET + (v - OFFSET) * g;
      });
    default:
      throw new Error(`unknown kind ${kind}; kinds: ${KINDS.join(', ')}`);
  }
}

const KINDS = [
  'none',
  'u8',
  'u8-sat',
  'float01',
  'bgsub-clip',
  'bgsub-neg',
  'rb-clip',
  'offset-over',
  'pad-zero',
  'pad-nan',
  'smooth0.7',
  'smooth-xy1',
  'flicker',
  'slice-offset',
  'columns',
  'bleach',
  'tiles',
  'z-interp3',
];

const args = process.argv.slice(2);
const at = args.indexOf('--sigma');
const sigma = at >= 0 ? (args.splice(at, 2)[1] ?? '').split(',').map(Number) : undefined;
const [name = 'default', kindText = KINDS.join(','), snrText = '4,7', volumesText = '3'] = args;
const kinds = kindText === 'all' ? KINDS : kindText.split(',');
const snrs = snrText.split(',').map(Number);
const volumes = Number(volumesText);
if (
  kinds.some((k) => !KINDS.includes(k)) ||
  snrs.some((s) => !(s > 0)) ||
  !(Number.isInteger(volumes) && volumes > 0) ||
  (sigma && !(sigma.length === 2 && sigma.every((s) => s > 0)))
)
  throw new Error(
    `usage: post-processed.ts [model] [kinds: ${KINDS.join(',')}] [snrs] [volumes] [--sigma xy,z]; got ${process.argv.slice(2).join(' ')}`,
  );
const backend = await useBackend('wasm');
const model = await loadModel(name);
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `model ${name}${sigma ? `, σxy ${sigma[0]} σz ${sigma[1]}` : ''}; F1 (precision / recall), mean over ${volumes} volumes; thresholds`,
);
for (const kind of kinds)
  for (const snr of snrs) {
    const params = mergeGeneralParams(GENERAL_CENTRE, {
      spots: { snr },
      ...(sigma ? { psf: { sigmaXY: sigma[0] as number, sigmaZ: sigma[1] as number } } : {}),
    });
    const sim = (k: number) => {
      const seed = deriveSeed(0x0dd0_0007, snr * 10 + k);
      const g = simulateGeneral(params, seed);
      const [Z, , X] = g.volume.shape;
      const pad = kind.startsWith('pad-');
      const kept = pad ? g.points.filter((p) => outsidePad(p, Z, X)) : g.points;
      const points = kind === 'z-interp3' ? kept.map((p) => ({ ...p, z: 3 * p.z })) : kept;
      const dropped = pad ? g.points.filter((p) => !outsidePad(p, Z, X)) : [];
      const spotSigma = kind === 'z-interp3' ? { ...g.spotSigma, z: 3 * g.spotSigma.z } : g.spotSigma;
      const volume = change(kind, g.volume, new Random(deriveSeed(seed, 0x7a11)));
      return { ...g, points, dropped, spotSigma, volume };
    };
    const test = Array.from({ length: volumes }, (_, k) => sim(k));
    const scores = [];
    const thresholds = [];
    for (const t of test) {
      const result = await detect(t.volume, { model, predictor: pool });
      thresholds.push(result.threshold.toFixed(2));
      const found = result.points.filter((p) => scored(p, t));
      scores.push(evaluate(t.points, found, { gate: 5 }));
    }
    // SEF3D takes no NaN: it sees the NaN padding as zeros.
    const forSef = (t: ReturnType<typeof sim>) =>
      kind === 'pad-nan'
        ? {
            ...t,
            volume: createVolume(
              Float32Array.from(t.volume.data, (v) => v || 0),
              t.volume.shape,
            ),
          }
        : t;
    const sef = mean(
      tunedSef3d(test.map(forSef), [volumes, volumes + 1].map(sim).map(forSef), scored).scores.map(
        (x) => x.f1,
      ),
    );
    console.log(
      `${kind} SNR ${snr}: ${mean(scores.map((x) => x.f1)).toFixed(3)} (${mean(scores.map((x) => x.precision)).toFixed(2)} / ${mean(scores.map((x) => x.recall)).toFixed(2)}), thresholds ${thresholds.join(' ')}; SEF3D ${sef.toFixed(3)}`,
    );
  }
await pool.close();
process.exit(0);
