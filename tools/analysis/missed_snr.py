"""The true spots a model missed, by local SNR, from dump-robustness-maps.ts output.

    /usr/bin/python3 tools/analysis/missed_snr.py <dump dir>

For each dumped volume: the map's 3D maxima (`maps_lib.maxima`, a 3×5×5 window) at or above the
threshold `detect` used on it, in the map's grid, matched one-to-one to the true spots (gate 5 voxels); prints the local
SNRs of the unmatched true spots, the quantiles (0, 0.1, 0.5, 0.9, 1) of all spots' SNRs, and the
map's median value at the missed spots.
"""
import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from maps_lib import maxima  # noqa: E402

d = sys.argv[1]
for it in json.load(open(f"{d}/meta.json")):
    m = np.fromfile(f"{d}/{it['id']}.f32", dtype=np.float32).reshape(it["shape"])
    c, v = maxima(m, 0.2)
    t = np.array(it["points"]).reshape(-1, 3)
    snr = np.array(it["snrs"])
    c = c[v >= it["threshold"]]
    found = np.zeros(len(t), bool)
    if len(c) and len(t):
        D = cdist(t, c)
        C = np.where(D <= 5, D, 1e6)
        r, cc = linear_sum_assignment(C)
        good = C[r, cc] <= 5
        found[r[good]] = True
    missed = t[~found]
    idx = np.clip(np.round(missed).astype(int), 0, np.array(m.shape) - 1)
    at = m[tuple(idx.T)] if len(missed) else np.zeros(0)
    print(
        it["id"],
        f"missed {len(missed)} of {len(t)}; their SNRs",
        np.round(np.sort(snr[~found]), 1),
        "| all spots' SNR quantiles",
        np.round(np.quantile(snr, [0, 0.1, 0.5, 0.9, 1]), 1) if len(snr) else [],
        f"| map at the missed: median {np.median(at):.2f}" if len(at) else "",
    )
