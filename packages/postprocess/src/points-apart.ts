import { checkNumber } from './errors';

/** A position in voxels, `[z, y, x]` as `{ z, y, x }`. */
type Position = { x: number; y: number; z: number };

/**
 * The points of `extra` farther than `separation` (Euclidean, voxels) from every point of `base`:
 * what a second detection pass adds to the first (`detect`'s bright pass). Points with a
 * coordinate that is not finite are never apart. A spatial hash of cells `separation` wide keeps it
 * linear in the number of points.
 *
 * @example
 * pointsApart([{ x: 5, y: 5, z: 2 }, { x: 20, y: 5, z: 2 }], [{ x: 5.5, y: 5, z: 2 }], 3);
 * // → [{ x: 20, y: 5, z: 2 }]
 */
export function pointsApart<P extends Position>(
  extra: readonly P[],
  base: readonly Position[],
  separation: number,
): P[] {
  checkNumber('separation', separation, (v) => v > 0, 'a number > 0 (voxels)');
  const finite = (p: Position) => Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(p.z);
  const cell = (v: number) => Math.floor(v / separation);
  const key = (z: number, y: number, x: number) => `${z},${y},${x}`;
  const grid = new Map<string, Position[]>();
  for (const p of base) {
    if (!finite(p)) continue;
    const k = key(cell(p.z), cell(p.y), cell(p.x));
    const list = grid.get(k);
    if (list) list.push(p);
    else grid.set(k, [p]);
  }
  const limit = separation * separation;
  const near = (p: Position) => {
    const [cz, cy, cx] = [cell(p.z), cell(p.y), cell(p.x)];
    for (let dz = -1; dz <= 1; dz++)
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          for (const q of grid.get(key(cz + dz, cy + dy, cx + dx)) ?? []) {
            const d2 = (p.x - q.x) ** 2 + (p.y - q.y) ** 2 + (p.z - q.z) ** 2;
            if (d2 <= limit) return true;
          }
    return false;
  };
  return extra.filter((p) => finite(p) && !near(p));
}
