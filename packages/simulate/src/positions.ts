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

/** A placed particle: position in voxels and its cluster (−1 when it is on its own). */
export interface Placement {
  x: number;
  y: number;
  z: number;
  cluster: number;
}

const MAX_TRIES = 10000;

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
 * volume one slice thick gets z = 0), optionally a fraction of them in clusters, keeping every pair
 * at least `minSpacing` voxels apart (Euclidean, in voxels). Throws TOO_DENSE when that cannot be met.
 */
export function placeParticles(
  shape: readonly [number, number, number],
  count: number,
  rng: Random,
  options: { minSpacing: number; clusters?: ClusterOptions | undefined; sigmaXY: number; sigmaZ: number },
): Placement[] {
  const [Z, Y, X] = shape;
  const grid = new SpacingGrid(options.minSpacing);
  const out: Placement[] = [];
  const uniform = () => ({
    x: rng.uniform(0, X - 1),
    y: rng.uniform(0, Y - 1),
    z: Z > 1 ? rng.uniform(0, Z - 1) : 0,
  });
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
  for (let k = clustered; k < count; k++) place(uniform, -1);
  return out;
}
