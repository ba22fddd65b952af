import { SimulateError } from './errors';
import type { Random } from './random';

/** Particles placed in clusters (foci close together). */
export interface ClusterOptions {
  /** Fraction of the particles that sit in clusters, 0..1. */
  fraction: number;
  /** Particles per cluster. Default 3. */
  size?: number;
  /** Standard deviation of a member's offset from its cluster centre in x and y, voxels. Default 2. */
  spread?: number;
  /** The same along z. Default `spread · sigmaZ / sigmaXY`. */
  spreadZ?: number;
}

/** Particles placed in touching pairs: a second particle at a short distance from the first. */
export interface PairOptions {
  /** Fraction of the particles that are members of a pair, 0..1 (rounded down to an even count). */
  fraction: number;
  /**
   * Range of the distance between the two, in the PSF's sigmas (x, y in units of sigmaXY, z in units
   * of sigmaZ); drawn uniformly, in a uniformly random direction.
   */
  distance: readonly [number, number];
}

/** Where to put particles: with probability `fraction`, a position where `inside` holds. */
export interface RegionOptions {
  /** Probability that a free particle, a cluster centre or a pair's first member is put inside. */
  fraction: number;
  /** Whether a position is inside the region. */
  inside: (p: { x: number; y: number; z: number }) => boolean;
}

/** A placed particle: position in voxels and its cluster (−1 when it is on its own). */
export interface Placement {
  x: number;
  y: number;
  z: number;
  cluster: number;
}

const MAX_TRIES = 10000;
/** Draws tried for a position inside the region before taking one anywhere. */
const REGION_TRIES = 200;

/** Keeps placed points in a grid of cells `spacing` wide, to test the minimum distance quickly. */
class SpacingGrid {
  private readonly cells = new Map<string, Placement[]>();
  constructor(private readonly spacing: number) {}
  private key(cz: number, cy: number, cx: number): string {
    return `${cz},${cy},${cx}`;
  }
  fits(p: { x: number; y: number; z: number }): boolean {
    if (this.spacing <= 0) return true;
    const [cz, cy, cx] = [p.z, p.y, p.x].map((v) => Math.floor(v / this.spacing)) as [number, number, number];
    const d2 = this.spacing * this.spacing;
    for (let a = -1; a <= 1; a++)
      for (let b = -1; b <= 1; b++)
        for (let c = -1; c <= 1; c++) {
          for (const q of this.cells.get(this.key(cz + a, cy + b, cx + c)) ?? []) {
            if ((q.x - p.x) ** 2 + (q.y - p.y) ** 2 + (q.z - p.z) ** 2 < d2) return false;
          }
        }
    return true;
  }
  add(p: Placement): void {
    if (this.spacing <= 0) return;
    const k = this.key(
      Math.floor(p.z / this.spacing),
      Math.floor(p.y / this.spacing),
      Math.floor(p.x / this.spacing),
    );
    const list = this.cells.get(k);
    if (list) list.push(p);
    else this.cells.set(k, [p]);
  }
}

const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));

/**
 * Places `count` particles at uniformly random sub-voxel positions in [0, n − 1] per axis (a
 * volume one slice thick gets z = 0), optionally a fraction of them in clusters, then a fraction in
 * touching pairs, the rest alone; keeps every pair at least `minSpacing` voxels apart (Euclidean,
 * in voxels). Throws TOO_DENSE when that cannot be met. Clusters and pairs number their members'
 * `cluster` 0, 1, … (clusters first). Without `pairs` and `region` the draws are those of the first
 * release (the virus scenario's volumes do not change).
 */
export function placeParticles(
  shape: readonly [number, number, number],
  count: number,
  rng: Random,
  options: {
    minSpacing: number;
    clusters?: ClusterOptions | undefined;
    pairs?: PairOptions | undefined;
    region?: RegionOptions | undefined;
    sigmaXY: number;
    sigmaZ: number;
  },
): Placement[] {
  const [Z, Y, X] = shape;
  const grid = new SpacingGrid(options.minSpacing);
  const out: Placement[] = [];
  const anywhere = () => ({
    x: rng.uniform(0, X - 1),
    y: rng.uniform(0, Y - 1),
    z: Z > 1 ? rng.uniform(0, Z - 1) : 0,
  });
  const region = options.region;
  const uniform = region
    ? () => {
        if (rng.float() >= region.fraction) return anywhere();
        for (let t = 0; t < REGION_TRIES; t++) {
          const p = anywhere();
          if (region.inside(p)) return p;
        }
        return anywhere();
      }
    : anywhere;
  const place = (draw: () => { x: number; y: number; z: number }, cluster: number) => {
    for (let t = 0; t < MAX_TRIES; t++) {
      const p = draw();
      if (grid.fits(p)) {
        const placed = { ...p, cluster };
        grid.add(placed);
        out.push(placed);
        return;
      }
    }
    throw new SimulateError(
      'TOO_DENSE',
      `could place only ${out.length} of ${count} particles at least ${options.minSpacing} voxels apart in ` +
        `${Z}×${Y}×${X}; lower count, density or minSpacing`,
    );
  };
  const c = options.clusters;
  const clustered = c ? Math.min(count, Math.round(c.fraction * count)) : 0;
  if (c && clustered > 0) {
    const size = c.size ?? 3;
    const spread = c.spread ?? 2;
    const spreadZ = c.spreadZ ?? (spread * options.sigmaZ) / options.sigmaXY;
    for (let k = 0, cluster = 0; k < clustered; cluster++) {
      const centre = uniform();
      for (let m = 0; m < size && k < clustered; m++, k++) {
        place(
          () => ({
            x: clamp(centre.x + spread * rng.normal(), X - 1),
            y: clamp(centre.y + spread * rng.normal(), Y - 1),
            z: Z > 1 ? clamp(centre.z + spreadZ * rng.normal(), Z - 1) : 0,
          }),
          cluster,
        );
      }
    }
  }
  let next = c && clustered > 0 ? Math.ceil(clustered / (c.size ?? 3)) : 0;
  const pr = options.pairs;
  const paired = pr ? 2 * Math.floor(Math.min(count - clustered, Math.round(pr.fraction * count)) / 2) : 0;
  if (pr && paired > 0) {
    const [dMin, dMax] = pr.distance;
    for (let k = 0; k < paired; k += 2, next++) {
      place(uniform, next);
      const first = out[out.length - 1] as Placement;
      place(() => {
        const d = rng.uniform(dMin, dMax);
        let ux = rng.normal();
        let uy = rng.normal();
        let uz = Z > 1 ? rng.normal() : 0;
        const norm = Math.hypot(ux, uy, uz) || 1;
        ux /= norm;
        uy /= norm;
        uz /= norm;
        return {
          x: clamp(first.x + d * ux * options.sigmaXY, X - 1),
          y: clamp(first.y + d * uy * options.sigmaXY, Y - 1),
          z: Z > 1 ? clamp(first.z + d * uz * options.sigmaZ, Z - 1) : 0,
        };
      }, next);
    }
  }
  for (let k = clustered + paired; k < count; k++) place(uniform, -1);
  return out;
}
