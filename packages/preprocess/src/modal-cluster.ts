import { median } from '@dmdet/postprocess';

/** Half-widths, in natural log of σ, of the neighbourhoods {@link modalCluster} counts and keeps. */
export interface ModalClusterWidths {
  /** Neighbourhood counted around each fit: ±`count.xy` in log σxy, ±`count.z` in log σz. */
  count: { xy: number; z: number };
  /** Fits kept around the mode's centre: ±`keep.xy` in log σxy, ±`keep.z` in log σz. */
  keep: { xy: number; z: number };
}

/**
 * The defaults of {@link modalCluster}: neighbours within ±16 % in σxy and ±28 % in σz are counted
 * (σz fits scatter more: fewer slices), fits within ±28 % and ±52 % of the mode's centre kept.
 */
export const MODAL_CLUSTER_WIDTHS: ModalClusterWidths = {
  count: { xy: 0.15, z: 0.25 },
  keep: { xy: 0.25, z: 0.25 * (0.25 / 0.15) },
};

/**
 * The indices of the fits in the most populated cluster of spot sizes: for each fit, the fits
 * within `count` of it in (log σxy, log σz) are counted; the fit with the most (ties: the smaller
 * σxy) is the mode, the medians of its neighbours the centre, and the fits within `keep` of the
 * centre are returned. `z` undefined (a single slice) clusters on σxy alone. Spots of one PSF fit
 * alike, so they form a tight cluster even where they are few; blobs, clumps and grains fit sizes
 * scattered over a wide range, so they outnumber spots among the candidates without forming one.
 * Empty input gives [].
 */
export function modalCluster(
  xy: readonly number[],
  z: readonly number[] | undefined,
  widths: ModalClusterWidths = MODAL_CLUSTER_WIDTHS,
): number[] {
  const n = xy.length;
  if (n === 0) return [];
  const lx = xy.map(Math.log);
  const lz = z ? z.map(Math.log) : new Array<number>(n).fill(0);
  const near = (i: number, j: number, w: { xy: number; z: number }) =>
    Math.abs((lx[j] as number) - (lx[i] as number)) <= w.xy &&
    Math.abs((lz[j] as number) - (lz[i] as number)) <= w.z;
  let mode = 0;
  let most = -1;
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = 0; j < n; j++) if (near(i, j, widths.count)) count++;
    if (count > most || (count === most && (lx[i] as number) < (lx[mode] as number))) {
      most = count;
      mode = i;
    }
  }
  const neighbours = lx.map((_, j) => j).filter((j) => near(mode, j, widths.count));
  const cx = median(neighbours.map((j) => lx[j] as number));
  const cz = median(neighbours.map((j) => lz[j] as number));
  return lx
    .map((_, j) => j)
    .filter(
      (j) =>
        Math.abs((lx[j] as number) - cx) <= widths.keep.xy &&
        Math.abs((lz[j] as number) - cz) <= widths.keep.z,
    );
}
