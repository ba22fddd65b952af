"""Fits a filter on detections offline, on the dump of tools/analysis/contrast-cut.ts (with its
neighbourhood columns): a detection the model's rule keeps (map score >= the volume's threshold) is
dropped where a logistic model of its features gives it a probability of being a spot below p0.
Features: the map score, the detection's contrast over its neighbourhood's median in units of the
neighbourhood's robust sigma (its local significance) and of the volume's (its global one), the
neighbourhood's robust sigma over the volume's (local clutter), and the counts of other map maxima
near it scoring in [0.3, 0.8) and >= 0.8. The logistic model and p0 are fitted on the general +
virus volumes only (the training family, seeds no training used); two-fold cross-validation over
those volumes says whether the gain holds; the robustness-scenario and tissue volumes (seeds of
their own) are only scored. Mean F1 (gate 5 voxels, optimal matching) per group; then, per check
group, how well each of the first six features tells spots from the rest of the kept detections,
and the F1 at the best threshold of each volume.

    /usr/bin/python3 tools/analysis/detection_filter.py bench-output/detection-features.json
"""

import json
import sys
from collections import defaultdict

import numpy as np

from contrast_cut import matches

FEATURES = ["score", "local significance", "global contrast", "local clutter", "maxima 0.3-0.8", "maxima >= 0.8", "score x clutter", "score x maxima 0.3-0.8", "significance x clutter", "score over threshold"]


def features(row, c):
    score, box, med, sig, low, high = c[3], c[4], c[6], c[7], c[8], c[9]
    noise = max(row["boxNoise"], 1e-6)
    if med is None or sig is None:
        med, sig = 0.0, noise
    sig = max(sig, 1e-6)
    signif = np.clip((box - med) / sig, -5, 30)
    clutter = np.log(sig / noise)
    lowc = np.log1p(low)
    return [
        score,
        signif,
        np.clip((box - med) / noise, -5, 60),
        clutter,
        lowc,
        np.log1p(high),
        score * clutter,
        score * lowc,
        signif * clutter,
        (score - row["rule"]),
    ]


def kept(row):
    if row["rule"] is None:
        return []
    return [c for c in row["candidates"] if c[3] >= row["rule"]]


def labels(row, cands):
    """1 for each kept candidate that the optimal matching pairs with a true spot."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial import cKDTree

    y = np.zeros(len(cands))
    if not cands or not row["truth"]:
        return y
    T, D = np.array(row["truth"]), np.array([c[:3] for c in cands])
    cost = np.full((len(T), len(D)), 1e6)
    for i, js in enumerate(cKDTree(D).query_ball_point(T, 5.0)):
        for j in js:
            cost[i, j] = np.linalg.norm(T[i] - D[j])
    r, c = linear_sum_assignment(cost)
    for i, j in zip(r, c):
        if cost[i, j] < 1e6:
            y[j] = 1
    return y


def fit_logistic(X, y, l2=1e-2, iters=50):
    """Newton's method (IRLS) with an L2 penalty on the weights, not the intercept."""
    Xb = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(Xb.shape[1])
    P = np.eye(Xb.shape[1]) * l2
    P[0, 0] = 0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(Xb @ w, -30, 30)))
        g = Xb.T @ (p - y) + P @ w
        H = (Xb * (p * (1 - p))[:, None]).T @ Xb + P
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


class Filter:
    def __init__(self, rows):
        X, y = [], []
        for row in rows:
            cands = kept(row)
            X += [features(row, c) for c in cands]
            y += list(labels(row, cands))
        X = np.array(X)
        self.mu, self.sd = X.mean(0), X.std(0) + 1e-9
        self.w = fit_logistic((X - self.mu) / self.sd, np.array(y))

    def prob(self, row, cands):
        if not cands:
            return np.zeros(0)
        X = (np.array([features(row, c) for c in cands]) - self.mu) / self.sd
        return 1 / (1 + np.exp(-(self.w[0] + X @ self.w[1:])))


def f1(row, det):
    tp = matches(row["truth"], [c[:3] for c in det])
    d = len(det) + len(row["truth"])
    return 2 * tp / d if d else 1.0


def scores(rows, flt, p0):
    out = []
    for row in rows:
        cands = kept(row)
        if flt is not None and cands:
            p = flt.prob(row, cands)
            cands = [c for c, q in zip(cands, p) if q >= p0]
        out.append(f1(row, cands))
    return np.array(out)


P0S = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]


def best_p0(rows, flt):
    base = scores(rows, None, 0).mean()
    best = (base, None)
    for p0 in P0S:
        m = scores(rows, flt, p0).mean()
        if m > best[0]:
            best = (m, p0)
    return best, base


def main():
    rows = [r for r in json.load(open(sys.argv[1])) if r["rule"] is not None]
    fit = [r for r in rows if r["group"] in ("general", "virus")]
    rest = [r for r in rows if r["group"] not in ("general", "virus")]
    print(f"{len(fit)} fit volumes, {len(rest)} check volumes")
    # Two-fold cross-validation over the fit volumes.
    folds = [fit[0::2], fit[1::2]]
    cv, cvb = [], []
    for k in (0, 1):
        flt = Filter(folds[k])
        (m, p0), _ = best_p0(folds[k], flt)
        other = folds[1 - k]
        cv.append(scores(other, flt, p0).mean() if p0 is not None else scores(other, None, 0).mean())
        cvb.append(scores(other, None, 0).mean())
        print(f"fold {k}: p0 {p0}; held-out half {cv[-1]:.4f} against the rule alone {cvb[-1]:.4f}")
    flt = Filter(fit)
    (m, p0), base = best_p0(fit, flt)
    print(f"all fit volumes: rule alone {base:.4f}, with the filter {m:.4f} at p0 {p0}")
    print("weights (standardised):", dict(zip(["intercept"] + FEATURES, np.round(flt.w, 3))))
    print("feature mean / sd:", np.round(flt.mu, 3).tolist(), np.round(flt.sd, 3).tolist())
    for q in P0S:
        print(f"  p0 {q}: fit {scores(fit, flt, q).mean():.4f}")
    groups = defaultdict(list)
    for r in rest:
        groups[r["group"]].append(r)
    p = p0 if p0 is not None else 0.2
    print(f"check groups, rule alone -> with the filter at p0 {p} (and at 0.1 / 0.3)")
    tot = [[], [], [], []]
    for g in sorted(groups):
        a = scores(groups[g], None, 0).mean()
        b = scores(groups[g], flt, p).mean()
        lo = scores(groups[g], flt, 0.1).mean()
        hi = scores(groups[g], flt, 0.3).mean()
        for t, v in zip(tot, (a, b, lo, hi)):
            t.append(v)
        print(f"  {g:24s} {a:.3f} -> {b:.3f}   ({lo:.3f} / {hi:.3f})")
    print("  mean over check groups", " ".join(f"{np.mean(t):.4f}" for t in tot))
    print("within groups: area under the ROC curve of each feature (true spots against the rest of")
    print("the kept detections); F1 at the rule's thresholds and at the best threshold of each volume")
    for g in sorted(groups):
        X, y = [], []
        for r in groups[g]:
            cands = kept(r)
            X += [features(r, c) for c in cands]
            y += list(labels(r, cands))
        X, y = np.array(X), np.array(y)
        aucs = " ".join(f"{auc(X[:, i], y):.2f}" for i in range(6)) if len(y) else ""
        best = np.mean([max(f1(r, [c for c in r["candidates"] if c[3] >= t]) for t in THRESHOLDS) for r in groups[g]])
        print(f"  {g:24s} {scores(groups[g], None, 0).mean():.3f} best {best:.3f}   AUC {aucs}")


THRESHOLDS = np.round(np.arange(0.2, 0.97, 0.025), 3)


def auc(x, y):
    """Mann-Whitney area under the ROC curve of x for y == 1 against y == 0."""
    from scipy.stats import rankdata

    n1, n0 = y.sum(), len(y) - y.sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    return (rankdata(x)[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


if __name__ == "__main__":
    main()
