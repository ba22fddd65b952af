"""Axial ghosts: are a model's false positives along z (the axial tail of a spot taken for a second
spot) fainter in the input than the detection they sit on, and do true spots ever look like that?

    /usr/bin/python3 tools/analysis/axial_ghosts.py <dump dir>

Reads a `dump-robustness-maps.ts ... raw` dump (maps, volumes, true positions, detections). For
each detection: its contrast in the raw volume (3×3×3 mean at the detection's voxel minus the
median of a 7×21×21 box around it) and, if a brighter detection lies 2–6 slices away along z and
within 2.5 px in-plane, the ratio of the two contrasts. Prints, per volume, the ratios of false
positives and of true positives that have such a neighbour, and how F1 would change if every
detection with a ratio below r were dropped; then, per volume with such false positives, their
scores (10th / 50th / 90th percentiles), how many lie above (+z) and below (−z) that neighbour,
and their median axial distance from it. (Dump with the detections as the map gives them:
`dump-robustness-maps.ts` keeps every axial ghost.)
"""
import json, sys
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

GATE = 5.0


def matched(truth, det):
    ok = np.zeros(len(det), bool)
    if len(truth) == 0 or len(det) == 0:
        return ok
    D = cdist(truth, det)
    C = np.where(D <= GATE, D, 1e6)
    r, c = linear_sum_assignment(C)
    good = C[r, c] <= GATE
    ok[c[good]] = True
    return ok


def contrast(v, p):
    z, y, x = np.round(p).astype(int)
    Z, Y, X = v.shape
    core = v[max(z - 1, 0):z + 2, max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].mean()
    box = v[max(z - 3, 0):z + 4, max(y - 10, 0):y + 11, max(x - 10, 0):x + 11]
    return core - np.median(box)


d = sys.argv[1]
cuts = [0.25, 0.35, 0.5]
for it in json.load(open(f'{d}/meta.json')):
    vol = np.fromfile(f"{d}/{it['id']}.raw.f32", dtype=np.float32).reshape(it['volumeShape'])
    det = np.array(it['detections']).reshape(-1, 4)
    pts = det[:, :3]
    truth = np.array(it['points']).reshape(-1, 3)
    r = it['resampling']
    if r:  # truth is in the map's grid: back to the volume's
        f = np.array(r['from'], float) / np.array(r['to'], float)
        truth = (truth + 0.5) * f - 0.5
    ok = matched(truth, pts)
    c = np.array([contrast(vol, p) for p in pts])
    ratio = np.full(len(pts), np.inf)
    signed = np.full(len(pts), np.nan)  # z of a detection minus that of its brightest such neighbour
    for i, p in enumerate(pts):
        dz = np.abs(pts[:, 0] - p[0])
        dxy = np.hypot(pts[:, 1] - p[1], pts[:, 2] - p[2])
        near = (dz >= 2) & (dz <= 6) & (dxy <= 2.5) & (c > c[i])
        if near.any():
            j = np.flatnonzero(near)[np.argmax(c[near])]
            ratio[i] = c[i] / c[j]
            signed[i] = p[0] - pts[j, 0]
    n = len(truth)
    f1 = 2 * ok.sum() / (n + len(pts))
    gains = []
    for cut in cuts:
        keep = ratio >= cut
        tp = matched(truth, pts[keep]).sum()
        gains.append(2 * tp / (n + keep.sum()) - f1)
    q = lambda a: np.round(np.quantile(a, [0.1, 0.5, 0.9]), 2) if len(a) else '-'
    fr = ratio[~ok & np.isfinite(ratio)]
    tr = ratio[ok & np.isfinite(ratio)]
    print(f"{it['id']:22s} F1 {f1:.3f}  FP {int((~ok).sum()):3d} with ratio {len(fr):3d} q {q(fr)}  "
          f"TP with ratio {len(tr):3d} q {q(tr)}  " + ' '.join(f'<{c}: {g:+.3f}' for c, g in zip(cuts, gains)))
    fp = ~ok & np.isfinite(ratio)
    if fp.any():
        s = signed[fp]
        print(f"{'':22s} those FP: scores q {q(det[fp, 3])}, {int((s > 0).sum())} above (+z) and "
              f"{int((s < 0).sum())} below, median |dz| {np.median(np.abs(s)):.2f} slices")
