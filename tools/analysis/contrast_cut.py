"""Compares contrast cuts on detections offline, on the dump of tools/analysis/contrast-cut.ts: a
detection kept when its map score reaches the threshold the model's rule gave its volume (the
baseline) and, besides, its normalised input's 3x3x3 mean reaches (a) r x the volume's signal, (b)
k x the robust sigma of the volume's box means (its noise), or (c) the lower of the two. Mean F1
(gate 5 voxels, optimal matching) over the general + virus volumes (those a cut would be fitted
on) and over the robustness-scenario volumes (seeds of their own), and per scenario for (a) and (b).

    /usr/bin/python3 tools/analysis/contrast_cut.py bench-output/contrast-cut.json
"""

import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

GATE = 5.0


def matches(truth, det):
    """True positives of the matching with the most pairs within the gate, then least distance."""
    if not truth or not det:
        return 0
    T, D = np.array(truth), np.array(det)
    cost = np.full((len(T), len(D)), 1e6)
    for i, js in enumerate(cKDTree(D).query_ball_point(T, GATE)):
        for j in js:
            cost[i, j] = np.linalg.norm(T[i] - D[j])
    r, c = linear_sum_assignment(cost)
    return int(np.sum(cost[r, c] < 1e6))


def f1(row, keep):
    det = [c[:3] for c in row["candidates"] if keep(row, c)]
    tp = matches(row["truth"], det)
    d = len(det) + len(row["truth"])
    return 2 * tp / d if d else 1.0


def base(row, c):
    return c[3] >= row["rule"]


def relative(r):
    return lambda row, c: base(row, c) and (row["signal"] is None or c[4] >= r * row["signal"])


def noise(k):
    return lambda row, c: base(row, c) and c[4] >= k * row["boxNoise"]


def lower(k, r):
    return lambda row, c: base(row, c) and (
        row["signal"] is None or c[4] >= min(k * row["boxNoise"], r * row["signal"])
    )


def main():
    rows = json.load(open(sys.argv[1]))
    fit = [r for r in rows if r["group"] in ("general", "virus")]
    scen = [r for r in rows if r["group"] not in ("general", "virus")]
    print(f"{len(fit)} general + virus volumes, {len(scen)} scenario volumes; mean F1:")
    rules = [("rule alone", base)]
    rules += [(f"(a) r {r}", relative(r)) for r in (0.1, 0.2, 0.3, 0.4, 0.5)]
    rules += [(f"(b) k {k}", noise(k)) for k in (2, 3, 4, 5, 6, 8)]
    rules += [(f"(c) k {k}, r {r}", lower(k, r)) for k in (4, 5, 6, 8) for r in (0.2, 0.3, 0.4)]
    scores = {}
    for name, keep in rules:
        scores[name] = {r["id"]: f1(r, keep) for r in rows}
        g = np.mean([scores[name][r["id"]] for r in fit])
        s = np.mean([scores[name][r["id"]] for r in scen])
        print(f"  {name:18s} general + virus {g:.4f}   scenarios {s:.4f}")
    groups = sorted({r["group"] for r in scen}, key=lambda g: (g.split("/")[0], int(g.split("/")[1])))
    cols = ["rule alone"] + [f"(a) r {r}" for r in (0.1, 0.2, 0.3, 0.4, 0.5)]
    print("per scenario, (a):".ljust(24) + " ".join(c[-5:].rjust(6) for c in cols))
    for g in groups:
        ids = [r["id"] for r in scen if r["group"] == g]
        print(f"  {g:22s}" + " ".join(f"{np.mean([scores[c][i] for i in ids]):6.3f}" for c in cols))
    cols = ["rule alone"] + [f"(b) k {k}" for k in (2, 3, 4, 5, 6, 8)]
    print("per scenario, (b):".ljust(24) + " ".join(c[-5:].rjust(6) for c in cols))
    for g in groups:
        ids = [r["id"] for r in scen if r["group"] == g]
        print(f"  {g:22s}" + " ".join(f"{np.mean([scores[c][i] for i in ids]):6.3f}" for c in cols))


if __name__ == "__main__":
    main()
