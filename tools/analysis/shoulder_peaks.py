"""Would splitting merged peaks recover the spots a density map merges?

On maps dumped by dump-robustness-maps.ts: detections are the map's 3x3x3 maxima at the volume's
threshold (in the map's grid). The mean peak of the volume's isolated detections (no other within
6 voxels; the peak profile, scaled to each detection's score) is subtracted around every detection
(combined by maximum, as the training targets are); a maximum of the residual at least `t` lying
1.5-3.5 voxels from a detection is added as a spot ("shoulder"). Prints F1 (gate 5 voxels, in the
map's grid) per scenario and SNR without and with shoulders at several t, then per volume how
crowded its detections are (the fraction with another detection within 4 voxels) beside the gain.
Also: where the map stands at the missed spots of the crowded scenarios.

  /usr/bin/python3 tools/analysis/shoulder_peaks.py bench-output/robustness-maps
"""
import json
import sys

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

GATE = 5.0
HALF = np.array([3, 4, 4])
TS = [0.15, 0.2, 0.3, 0.4, 0.5]


def f1(truth, det):
    if len(det) == 0 or len(truth) == 0:
        return float(len(det) == len(truth))
    d = cdist(truth, det)
    c = np.where(d <= GATE, d, 1e6)
    r, k = linear_sum_assignment(c)
    tp = (c[r, k] <= GATE).sum()
    return 2 * tp / (len(truth) + len(det))


def maxima(m, t):
    peak = (m == ndi.maximum_filter(m, size=3, mode='constant', cval=-1)) & (m >= t)
    return np.argwhere(peak), m[peak]


def profile(m, det):
    """Mean peak (7x9x9, relative to its centre) of the detections with no other within 6 voxels."""
    if len(det) < 2:
        return None
    g = cdist(det, det)
    np.fill_diagonal(g, 1e9)
    acc, n = np.zeros(2 * HALF + 1), 0
    for c, nn in zip(det, g.min(1)):
        if nn < 6 or np.any(c - HALF < 0) or np.any(c + HALF >= m.shape):
            continue
        acc += m[c[0] - 3:c[0] + 4, c[1] - 4:c[1] + 5, c[2] - 4:c[2] + 5] / m[tuple(c)]
        n += 1
    return acc / n if n >= 10 else None


def shoulders(m, det, scores, p):
    model = np.zeros(m.shape, np.float32)
    for c, s in zip(det, scores):
        lo, hi = c - HALF, c + HALF + 1
        a, b = np.maximum(lo, 0), np.minimum(hi, m.shape)
        sub = p[a[0] - lo[0]:b[0] - lo[0], a[1] - lo[1]:b[1] - lo[1], a[2] - lo[2]:b[2] - lo[2]] * s
        v = model[a[0]:b[0], a[1]:b[1], a[2]:b[2]]
        np.maximum(v, sub, out=v)
    r = m - model
    return r, r == ndi.maximum_filter(r, size=3, mode='nearest')


def main(folder):
    meta = json.load(open(f'{folder}/meta.json'))
    rows, crowd, fallback = {}, [], None
    for it in meta:
        m = np.fromfile(f"{folder}/{it['id']}.f32", dtype=np.float32).reshape(it['shape'])
        det, sc = maxima(m, it['threshold'])
        p = profile(m, det)
        if p is None:
            p = fallback
        if p is None:
            continue
        fallback = p
        truth = np.array(it['points'], dtype=float).reshape(-1, 3)
        r, peak = shoulders(m, det, sc, p)
        row = [f1(truth, det.astype(float))]
        for t in TS:
            extra = np.argwhere(peak & (r >= t)).astype(float)
            if len(extra) and len(det):
                near = cdist(extra, det).min(1)
                extra = extra[(near >= 1.5) & (near <= 3.5)]
            row.append(f1(truth, np.concatenate([det, extra]) if len(extra) else det.astype(float)))
        case = it['id'].rsplit('-', 1)[0]
        rows.setdefault(case, []).append(row)
        if len(det) > 1:
            g = cdist(det, det)
            np.fill_diagonal(g, 1e9)
            crowd.append((float(np.mean(g.min(1) < 4)), case, row[3] - row[0]))
        if case.split('-')[0] in ('dense', 'clusters') and len(det):
            d = cdist(truth, det.astype(float))
            c = np.where(d <= GATE, d, 1e6)
            rr, kk = linear_sum_assignment(c)
            hit = np.zeros(len(truth), bool)
            hit[rr[c[rr, kk] <= GATE]] = True
            g = cdist(truth, truth)
            np.fill_diagonal(g, 1e9)
            at = np.clip(np.round(truth).astype(int), 0, np.array(m.shape) - 1)
            val = m[at[:, 0], at[:, 1], at[:, 2]]
            miss = ~hit
            print(f"{it['id']}: {miss.sum()} of {len(truth)} missed; their nearest other spot at median "
                  f"{np.median(g.min(1)[miss]):.2f} voxels (all spots {np.median(g.min(1)):.2f}); the map at "
                  f"them median {np.median(val[miss]):.2f}; recall of spots with none within 4 voxels "
                  f"{hit[g.min(1) >= 4].mean():.3f}, with one {hit[g.min(1) < 4].mean():.3f}")
    print('\ncase                    F1 without | with shoulders at t = ' + ' '.join(f'{t:5}' for t in TS))
    means = []
    for case, v in rows.items():
        a = np.mean(v, 0)
        means.append(a)
        print(f'{case:22s} {a[0]:.3f}      | ' + ' '.join(f'{x:+.3f}' for x in a[1:] - a[0]))
    a = np.mean(means, 0)
    print(f"{'mean':22s} {a[0]:.4f}     | " + ' '.join(f'{x:+.4f}' for x in a[1:] - a[0]))
    print(f'\nper volume, by crowding (fraction of detections with another within 4 voxels); gain at t = {TS[2]}')
    for c, case, gain in sorted(crowd):
        print(f'  {c:.3f}  {case:22s} {gain:+.3f}')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'bench-output/robustness-maps')
