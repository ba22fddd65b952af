import { describe, expect, it } from 'vitest';
import { MODAL_CLUSTER_WIDTHS, modalCluster } from '../src/modal-cluster';

describe('modalCluster', () => {
  it('keeps the tight cluster of spots where scattered blob sizes outnumber them', () => {
    // Three spots of one PSF (σxy 1.5–1.6) and five blobs of 2–6 px, none within ±16 % of another.
    const xy = [2.0, 1.5, 2.6, 1.55, 3.4, 1.6, 4.5, 6];
    const z = [1.5, 1, 2, 1.05, 2.5, 0.95, 3, 4];
    expect(modalCluster(xy, z)).toEqual([1, 3, 5]);
  });

  it('takes the smaller sizes on a tie, and the z fits into account', () => {
    expect(modalCluster([3, 1, 3.1, 1.05], [1, 1, 1, 1])).toEqual([1, 3]);
    // The same σxy everywhere; σz tells three spots (0.9) from three wider objects (2.5–5).
    const xy = [1.5, 1.52, 1.48, 1.5, 1.51, 1.49];
    const z = [0.9, 0.92, 0.9, 2.5, 3.5, 5];
    expect(modalCluster(xy, z)).toEqual([0, 1, 2]);
    // A single slice (no z): all six are one cluster.
    expect(modalCluster(xy, undefined)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps the fits within the keep widths of the centre (the median of the mode’s neighbours)', () => {
    // Modes 0.95–1.05 (4 neighbours each; the tie to 0.95), centre the median of those four, 1.0099:
    // 1.27 lies within e^0.25 = 1.284 of it, 1.3 and 0.6 do not.
    const xy = [1, 0.95, 1.05, 1.02, 1.27, 1.3, 0.6];
    const z = xy.map(() => 1);
    expect(Math.exp(MODAL_CLUSTER_WIDTHS.keep.xy)).toBeCloseTo(1.284, 3);
    expect(modalCluster(xy, z)).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives [] for no fits and the one fit for one', () => {
    expect(modalCluster([], [])).toEqual([]);
    expect(modalCluster([2], [1])).toEqual([0]);
  });
});
