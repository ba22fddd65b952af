import type { GeneralParams } from './general-params';
import type { Random } from './random';

/** In-plane spacing of the coarse grid the smooth background is computed on, pixels. */
const STEP = 4;

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/** A smooth field on a coarse grid: every slice, nodes every {@link STEP} pixels in y and x. */
class CoarseGrid {
  readonly ny: number;
  readonly nx: number;
  readonly values: Float32Array;
  constructor(
    readonly Z: number,
    readonly Y: number,
    readonly X: number,
  ) {
    this.ny = Math.ceil((Y - 1) / STEP) + 1;
    this.nx = Math.ceil((X - 1) / STEP) + 1;
    this.values = new Float32Array(Z * this.ny * this.nx);
  }

  /** Bilinear in (y, x), linear in z, at any point of the volume (clamped to it). */
  at(z: number, y: number, x: number): number {
    const { ny, nx, values } = this;
    const lerp1 = (t: number, n: number): [number, number, number] => {
      const c = Math.min(Math.max(t, 0), n - 1);
      const i0 = Math.min(Math.floor(c), n - 1);
      const i1 = Math.min(i0 + 1, n - 1);
      return [i0, i1, c - i0];
    };
    const [z0, z1, fz] = lerp1(z, this.Z);
    const [y0, y1, fy] = lerp1(y / STEP, ny);
    const [x0, x1, fx] = lerp1(x / STEP, nx);
    const v = (zz: number, yy: number, xx: number) => values[(zz * ny + yy) * nx + xx] as number;
    const plane = (zz: number) =>
      (1 - fy) * ((1 - fx) * v(zz, y0, x0) + fx * v(zz, y0, x1)) +
      fy * ((1 - fx) * v(zz, y1, x0) + fx * v(zz, y1, x1));
    return (1 - fz) * plane(z0) + fz * plane(z1);
  }

  /** Adds `scale` × the field, interpolated bilinearly in-plane, to every voxel of `out`. */
  addTo(out: Float32Array, scale: number): void {
    const { Z, Y, X, ny, nx, values } = this;
    const xi = new Int32Array(X);
    const xf = new Float32Array(X);
    for (let x = 0; x < X; x++) {
      const t = x / STEP;
      xi[x] = Math.min(Math.floor(t), nx - 1);
      xf[x] = t - (xi[x] as number);
    }
    const row = new Float32Array(nx);
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++) {
        const t = y / STEP;
        const j0 = Math.min(Math.floor(t), ny - 1);
        const j1 = Math.min(j0 + 1, ny - 1);
        const f = t - j0;
        const a = (z * ny + j0) * nx;
        const b = (z * ny + j1) * nx;
        for (let i = 0; i < nx; i++)
          row[i] = scale * ((1 - f) * (values[a + i] as number) + f * (values[b + i] as number));
        const o = (z * Y + y) * X;
        for (let x = 0; x < X; x++) {
          const i0 = xi[x] as number;
          const i1 = i0 + 1 < nx ? i0 + 1 : i0;
          const g = xf[x] as number;
          out[o + x] = (out[o + x] as number) + (1 - g) * (row[i0] as number) + g * (row[i1] as number);
        }
      }
  }
}

/**
 * One cell (or nucleus): a dome-like ellipsoid. At height dz from its centre its in-plane outline is
 * the wobbling radius × √(1 − (dz/height)²) (not below 0.3 of it), with a soft edge `edgeXY` px
 * wide; along z it fades out past ±height over `edgeZ` slices.
 */
interface Outline {
  x: number;
  y: number;
  z: number;
  radius: number;
  height: number;
  /** Relative amplitudes and phases of the 2nd, 3rd and 4th harmonics of the outline. */
  wobble: [number, number, number];
  phase: [number, number, number];
  edgeXY: number;
  edgeZ: number;
}

function outline(o: Outline, z: number, y: number, x: number): number {
  const dz = Math.abs(z - o.z);
  const fz = sigmoid((o.height - dz) / o.edgeZ);
  if (fz < 1e-4) return 0;
  const dx = x - o.x;
  const dy = y - o.y;
  const theta = Math.atan2(dy, dx);
  const u = dz / o.height;
  const r =
    o.radius *
    Math.sqrt(Math.max(0.09, 1 - u * u)) *
    (1 +
      o.wobble[0] * Math.cos(2 * theta + o.phase[0]) +
      o.wobble[1] * Math.cos(3 * theta + o.phase[1]) +
      o.wobble[2] * Math.cos(4 * theta + o.phase[2]));
  return fz * sigmoid((r - Math.sqrt(dx * dx + dy * dy)) / o.edgeXY);
}

/** The smooth part of a `general` background and where the cells are. */
export interface SmoothBackground {
  /** Whether there are visible cells (count and brightness above 0). */
  hasCells: boolean;
  /** Whether a point lies inside a cell (its cytoplasm profile above one half). */
  insideCell: (p: { x: number; y: number; z: number }) => boolean;
}

/**
 * Adds the smooth background of a `general` volume to `out` (photons): the flat level with its
 * linear in-plane gradient, the out-of-focus haze (four broad 3D Gaussians, normalised so the field
 * peaks at 1, times haze · level) and the cells (domes with wobbling outlines and edges as soft
 * as the PSF, each with a nucleus of the same kind; combined by maximum; cytoplasm brightness · σ_bg
 * photons, nucleus that × nucleusBrightness). Computed on a grid every 4 pixels in-plane and interpolated.
 * With `cells.texture` > 0 the cells' field is then × max(0, 1 + texture · g) per voxel, g a
 * {@link gaussianField} of grain `textureGrain` × the PSF core's σ drawn from `textureRng`.
 * Cells draw from `cellRng`, the haze from `hazeRng`.
 */
export function addSmoothBackground(
  out: Float32Array,
  params: GeneralParams,
  cellRng: Random,
  hazeRng: Random,
  textureRng?: Random,
): SmoothBackground {
  const [Z, Y, X] = params.shape;
  const b = params.background;
  const { gain, readNoise } = params.camera;
  // Flat level and gradient: linear, so exact at full resolution.
  const cos = Math.cos(b.gradientAngle);
  const sin = Math.sin(b.gradientAngle);
  const span = (X - 1) * Math.abs(cos) + (Y - 1) * Math.abs(sin);
  const slope = span > 0 ? (b.level * b.gradient) / span : 0;
  const plane = Y * X;
  for (let y = 0; y < Y; y++)
    for (let x = 0; x < X; x++) {
      out[y * X + x] = b.level + slope * ((x - (X - 1) / 2) * cos + (y - (Y - 1) / 2) * sin);
    }
  for (let z = 1; z < Z; z++) out.copyWithin(z * plane, 0, plane);

  // Haze.
  const haze = new CoarseGrid(Z, Y, X);
  const bumps = Array.from({ length: 4 }, () => ({
    x: hazeRng.uniform(-0.2, 1.2) * (X - 1),
    y: hazeRng.uniform(-0.2, 1.2) * (Y - 1),
    z: hazeRng.uniform(-0.5, 1.5) * (Z - 1),
    sxy: hazeRng.uniform(0.15, 0.4) * Math.max(X, Y),
    sz: hazeRng.uniform(0.5, 2) * Math.max(Z, 2),
    weight: hazeRng.uniform(0.5, 1),
  }));
  if (b.haze > 0) {
    let max = 0;
    const { ny, nx, values } = haze;
    for (let z = 0; z < Z; z++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          let v = 0;
          for (const g of bumps)
            v +=
              g.weight *
              Math.exp(
                -((i * STEP - g.x) ** 2 + (j * STEP - g.y) ** 2) / (2 * g.sxy * g.sxy) -
                  (z - g.z) ** 2 / (2 * g.sz * g.sz),
              );
          values[(z * ny + j) * nx + i] = v;
          max = Math.max(max, v);
        }
    if (max > 0) haze.addTo(out, (b.haze * b.level) / max);
  }

  // Cells.
  const c = b.cells;
  const cellField = new CoarseGrid(Z, Y, X);
  const mask = new CoarseGrid(Z, Y, X);
  // Edges as soft as the PSF, at least 1.5 px and 0.7 slices.
  const edgeXY = Math.max(1.5, params.psf.sigmaXY);
  const edgeZ = Math.max(0.7, params.psf.sigmaZ);
  const wobble = (max: number): [number, number, number] => [
    cellRng.uniform(0, max),
    cellRng.uniform(0, max),
    cellRng.uniform(0, max),
  ];
  const phases = (): [number, number, number] => [
    cellRng.uniform(0, 2 * Math.PI),
    cellRng.uniform(0, 2 * Math.PI),
    cellRng.uniform(0, 2 * Math.PI),
  ];
  for (let k = 0; k < c.count; k++) {
    const radius = c.radius * cellRng.uniform(0.8, 1.2);
    const height = c.height * cellRng.uniform(0.8, 1.2);
    const cell: Outline = {
      x: cellRng.uniform(0, X - 1),
      y: cellRng.uniform(0, Y - 1),
      z: Z > 1 ? cellRng.uniform(0, Z - 1) : 0,
      radius,
      height,
      wobble: wobble(0.08),
      phase: phases(),
      edgeXY,
      edgeZ,
    };
    const nr = Math.max(1, c.nucleusSize * radius);
    const nh = Math.max(1, 0.6 * height);
    const nucleus: Outline = {
      x: cell.x + cellRng.uniform(-0.15, 0.15) * radius,
      y: cell.y + cellRng.uniform(-0.15, 0.15) * radius,
      z: cell.z,
      radius: nr,
      height: nh,
      wobble: wobble(0.04),
      phase: phases(),
      edgeXY,
      edgeZ,
    };
    if (c.brightness <= 0) continue;
    const rxy = radius * 1.25 + 5 * edgeXY;
    const rz = height + 10 * edgeZ;
    const { ny, nx } = cellField;
    const z0 = Math.max(0, Math.ceil(cell.z - rz));
    const z1 = Math.min(Z - 1, Math.floor(cell.z + rz));
    const j0 = Math.max(0, Math.ceil((cell.y - rxy) / STEP));
    const j1 = Math.min(ny - 1, Math.floor((cell.y + rxy) / STEP));
    const i0 = Math.max(0, Math.ceil((cell.x - rxy) / STEP));
    const i1 = Math.min(nx - 1, Math.floor((cell.x + rxy) / STEP));
    for (let z = z0; z <= z1; z++)
      for (let j = j0; j <= j1; j++)
        for (let i = i0; i <= i1; i++) {
          const cyto = outline(cell, z, j * STEP, i * STEP);
          if (cyto < 1e-4) continue;
          const nuc = outline(nucleus, z, j * STEP, i * STEP);
          const at = (z * ny + j) * nx + i;
          const v = cyto * (1 + nuc * (c.nucleusBrightness - 1));
          if (v > (cellField.values[at] as number)) cellField.values[at] = v;
          if (cyto > (mask.values[at] as number)) mask.values[at] = cyto;
        }
  }
  const sigmaBg = Math.sqrt(b.level + (readNoise / gain) ** 2);
  const texture = c.texture ?? 0;
  if (c.brightness > 0 && c.count > 0 && texture > 0 && textureRng) {
    const cellsOnly = new Float32Array(out.length);
    cellField.addTo(cellsOnly, c.brightness * sigmaBg);
    const grain = c.textureGrain ?? 1;
    const sz = grain * params.psf.sigmaZ;
    const sxy = grain * params.psf.sigmaXY;
    const g = gaussianField([Z, Y, X], [sz, sxy, sxy], textureRng);
    for (let i = 0; i < out.length; i++)
      out[i] = (out[i] as number) + (cellsOnly[i] as number) * Math.max(0, 1 + texture * (g[i] as number));
  } else if (c.brightness > 0 && c.count > 0) cellField.addTo(out, c.brightness * sigmaBg);
  const hasCells = c.brightness > 0 && c.count > 0;
  return { hasCells, insideCell: (p) => hasCells && mask.at(p.z, p.y, p.x) > 0.5 };
}

/**
 * Adds the bright compact blobs (lipofuscin, debris) to `out`: smoothed ellipsoids, radius drawn
 * from `blobs.radius` in x and y and that × σz/σxy × uniform(1, 2) in z (out of focus), edges as
 * soft as the PSF, peak brightness log-uniform in `blobs.brightness` × `referenceAmplitude` photons.
 */
export function addBlobs(
  out: Float32Array,
  params: GeneralParams,
  referenceAmplitude: number,
  rng: Random,
): void {
  const [Z, Y, X] = params.shape;
  const { count, radius, brightness } = params.background.blobs;
  const { sigmaXY, sigmaZ } = params.psf;
  const wxy = Math.max(0.5, 0.7 * sigmaXY);
  const wz = Math.max(0.5, 0.7 * sigmaZ);
  for (let k = 0; k < count; k++) {
    const x = rng.uniform(0, X - 1);
    const y = rng.uniform(0, Y - 1);
    const z = Z > 1 ? rng.uniform(0, Z - 1) : 0;
    const r = rng.uniform(radius[0], radius[1]);
    const rz = r * (sigmaZ / sigmaXY) * rng.uniform(1, 2);
    const peak = referenceAmplitude * brightness[0] * (brightness[1] / brightness[0]) ** rng.float();
    const edge = Math.max(wxy / r, wz / rz);
    const norm = peak / sigmoid(1 / edge);
    const reach = 1 + 6 * edge;
    const z0 = Math.max(0, Math.ceil(z - rz * reach));
    const z1 = Math.min(Z - 1, Math.floor(z + rz * reach));
    const y0 = Math.max(0, Math.ceil(y - r * reach));
    const y1 = Math.min(Y - 1, Math.floor(y + r * reach));
    const x0 = Math.max(0, Math.ceil(x - r * reach));
    const x1 = Math.min(X - 1, Math.floor(x + r * reach));
    if (!(peak > 0)) continue;
    for (let zz = z0; zz <= z1; zz++) {
      const ez = ((zz - z) / rz) ** 2;
      for (let yy = y0; yy <= y1; yy++) {
        const ezy = ez + ((yy - y) / r) ** 2;
        const row = (zz * Y + yy) * X;
        for (let xx = x0; xx <= x1; xx++) {
          const s = Math.sqrt(ezy + ((xx - x) / r) ** 2);
          out[row + xx] = (out[row + xx] as number) + norm * sigmoid((1 - s) / edge);
        }
      }
    }
  }
}

/** Trilinear interpolation of a full-resolution volume at a point (clamped to the volume). */
export function interpolate(
  data: Float32Array,
  shape: readonly [number, number, number],
  p: { x: number; y: number; z: number },
): number {
  const [Z, Y, X] = shape;
  const split = (t: number, n: number): [number, number, number] => {
    const c = Math.min(Math.max(t, 0), n - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, n - 1);
    return [i0, i1, c - i0];
  };
  const [z0, z1, fz] = split(p.z, Z);
  const [y0, y1, fy] = split(p.y, Y);
  const [x0, x1, fx] = split(p.x, X);
  const v = (z: number, y: number, x: number) => data[(z * Y + y) * X + x] as number;
  const plane = (z: number) =>
    (1 - fy) * ((1 - fx) * v(z, y0, x0) + fx * v(z, y0, x1)) +
    fy * ((1 - fx) * v(z, y1, x0) + fx * v(z, y1, x1));
  return (1 - fz) * plane(z0) + fz * plane(z1);
}

/** A normalised 1-D Gaussian kernel of σ `sigma`, truncated at ±3σ (at least one tap each side). */
function kernel1d(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / sum;
  return k;
}

/** Convolves `data` along one axis (stride `stride`, length `n` ≥ 2) with `k`, mirrored at the ends. */
function blurAxis(data: Float32Array, n: number, stride: number, k: Float64Array): void {
  const r = (k.length - 1) / 2;
  const line = new Float64Array(n);
  const block = n * stride;
  for (let start = 0; start < data.length; start += block)
    for (let off = 0; off < stride; off++) {
      const base = start + off;
      for (let i = 0; i < n; i++) line[i] = data[base + i * stride] as number;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let t = -r; t <= r; t++) {
          let j = i + t;
          // Mirror (…2 1 0 1 2…), folded as often as a short axis needs.
          while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
          v += (k[t + r] as number) * (line[j] as number);
        }
        data[base + i * stride] = v;
      }
    }
}

/**
 * A smooth Gaussian random field on `[Z, Y, X]`: white normal noise from `rng` blurred by a Gaussian
 * of σ `[σz, σy, σx]` voxels (mirrored at the edges), then shifted and scaled to mean 0 and standard
 * deviation 1 over the volume (all zeros when it is constant).
 */
export function gaussianField(
  [Z, Y, X]: readonly [number, number, number],
  [sz, sy, sx]: readonly [number, number, number],
  rng: Random,
): Float32Array {
  const g = new Float32Array(Z * Y * X);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  if (X > 1) blurAxis(g, X, 1, kernel1d(sx));
  if (Y > 1) blurAxis(g, Y, X, kernel1d(sy));
  if (Z > 1) blurAxis(g, Z, Y * X, kernel1d(sz));
  let mean = 0;
  for (let i = 0; i < g.length; i++) mean += g[i] as number;
  mean /= g.length;
  let ss = 0;
  for (let i = 0; i < g.length; i++) ss += ((g[i] as number) - mean) ** 2;
  const sd = Math.sqrt(ss / g.length);
  for (let i = 0; i < g.length; i++) g[i] = sd > 0 ? ((g[i] as number) - mean) / sd : 0;
  return g;
}
