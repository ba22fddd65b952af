"""Fits a clutter term for the threshold rule (`thresholdRule.clutter`, `ClutterTerm` of
@dmdet/postprocess) offline, on dumps of tools/analysis/rule-features.ts: each volume's threshold
is its own rule's (`ruleThreshold`, as detect gave it) plus `slope × max(0, log2(q / q0))`, capped
at 0.95, where q is the volume's count of map maxima scoring in [lo, confidence) over those scoring
≥ confidence (maxima a little below confident per confident one: grains and noise peaks that look
half like spots), for volumes whose own threshold is at least `from` and whose log2 zoom is at most
`maxLogZoom` (the dump's `logZoom`; for dumps without it, log2((1.4 / σxy)² / σz) of the spot size
detect used, the built-in model's spot scale). `slope`, `q0`, `from` and `maxLogZoom` are fitted for
the best mean F1 over the volumes with a signal: in 2-fold cross-validation repeated 10 times on the
first dump(s), and fitted on all of them and scored on each further dump (held out). The fit on all
is the one-standard-error choice (as `fitThresholdRule` of @dmdet/metrics makes it): of the terms
whose mean F1 is within one paired standard error of the best's, the one of the highest `from` (the
best itself is printed too). It is what `tools/set-threshold-clutter.ts <dir>
lo,q0,slope,from,maxLogZoom` writes into a model.

    /usr/bin/python3 tools/analysis/clutter_rule.py fit.json[,more.json] [held-out.json ...] [--lo 0.3]

(Comma-separated dumps are fitted on together, each volume id once: the virus volumes are in every dump.)
"""

import json
import sys

import numpy as np
from rule_features import f1_at, pop_option, random_halves  # F1 at a threshold, on a dump row's curve

SLOPES = [0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25]
Q0S = [0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0]
# The term applies only to volumes whose own threshold is at least this (fitted too; 0: all).
FROMS = [0.0, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
# …and whose log2 zoom is at most this (fitted too; 99: any).
MAX_ZOOMS = [0.5, 1.0, 2.0, 99.0]


def clutter(row, lo, conf):
    s = np.asarray(row["scores"])
    confident = int((s >= conf).sum())
    return float(((s >= lo) & (s < conf)).sum()) / max(confident, 1)


def threshold(row, slope, q0, start=0.0, max_zoom=99.0):
    if row["ruleThreshold"] < start or row["logZoom"] > max_zoom:
        return row["ruleThreshold"]
    extra = slope * max(0.0, np.log2(row["q"] / q0)) if row["q"] > 0 else 0.0
    return min(0.95, row["ruleThreshold"] + extra)


def mean_f1(rows, slope, q0, start=0.0, max_zoom=99.0):
    return float(np.mean([f1_at(r, threshold(r, slope, q0, start, max_zoom)) for r in rows]))


def fits(rows, zooms=MAX_ZOOMS):
    """The (slope, q0, from, maxLogZoom) of the best mean F1 (ties to the smallest slope, the highest
    from, the lowest zoom gate) and the one-standard-error choice (as `fitThresholdRule` of
    @dmdet/metrics chooses): of the terms whose mean F1 lies within one standard error (of the
    per-volume difference, paired) of the best's, the highest `from` (the term that raises the
    fewest volumes), then the best F1."""
    params = [(s, q, f, z) for s in SLOPES for q in Q0S for f in FROMS for z in zooms]
    f1 = {p: np.array([f1_at(r, threshold(r, *p)) for r in rows]) for p in params}
    best = max(params, key=lambda p: (f1[p].mean(), -p[0], p[2], -p[3]))

    def within(p):
        d = f1[best] - f1[p]
        return d.mean() <= d.std(ddof=1) / np.sqrt(len(d)) + 1e-12

    return best, max((p for p in params if within(p)), key=lambda p: (p[2], f1[p].mean(), -p[0], p[1], -p[3]))


def fit(rows, zooms=MAX_ZOOMS):
    """The best mean F1's (slope, q0, from, maxLogZoom), as `fits` gives it."""
    return fits(rows, zooms)[0]


def load(paths, lo):
    """Rows of one or more dumps (comma-separated paths), each volume id once."""
    data, rows, seen = None, [], set()
    for path in paths.split(","):
        d = json.load(open(path))
        data = data or d
        for r in d["rows"]:
            if r["id"] not in seen and r["signal"] is not None and r.get("ruleThreshold") is not None:
                seen.add(r["id"])
                rows.append(r)
    for r in rows:
        r["q"] = clutter(r, lo, data["confidence"])
        if "logZoom" not in r:
            s = r["spotSize"]
            r["logZoom"] = float(np.log2((1.4 / s["xy"]) ** 2 / s["z"])) if s else 0.0
    return data, rows


def report(name, rows, *p):
    own = mean_f1(rows, 0.0, 1.0)
    new = mean_f1(rows, *p)
    moved = [r for r in rows if threshold(r, *p) > r["ruleThreshold"] + 1e-9]
    gains = [f1_at(r, threshold(r, *p)) - f1_at(r, r["ruleThreshold"]) for r in moved]
    print(
        f"{name}: {len(rows)} volumes, own rule {own:.4f}, with the term {new:.4f} ({new - own:+.4f}); "
        f"{len(moved)} raised, {sum(g > 0.0005 for g in gains)} better, {sum(g < -0.0005 for g in gains)} worse"
    )


def main():
    args = sys.argv[1:]
    lo = pop_option(args, "--lo", 0.3)
    data, rows = load(args[0], lo)
    print(f"model {data['model']}, effects {data.get('effects')}, snr {data.get('snr')}, lo {lo}")
    qs = np.array([r["q"] for r in rows])
    print("q: 10/50/90 % " + " / ".join(f"{v:.2f}" for v in np.percentile(qs, [10, 50, 90])))
    rng = np.random.default_rng(0)
    cv, picks = [], []
    for _ in range(10):
        a, b = random_halves(rows, rng)
        for train, test in ((a, b), (b, a)):
            p = fit(train)
            picks.append(p)
            cv.append(mean_f1(test, *p) - mean_f1(test, 0.0, 1.0))
    print(f"2-fold CV × 10: gain {np.mean(cv):+.4f} ± {np.std(cv):.4f}; fits (slope, q0, from, maxLogZoom): {sorted(set(picks))}")
    best, p = fits(rows)
    print(f"best on all: slope {best[0]}, q0 {best[1]}, from {best[2]}, maxLogZoom {best[3]}")
    report("  it", rows, *best)
    print("within one standard error of it (paired over volumes), the highest from:")
    print(f"fitted on all: slope {p[0]}, q0 {p[1]}, from own threshold {p[2]}, maxLogZoom {p[3]}")
    print(f"  set-threshold-clutter.ts <dir> {lo},{p[1]},{p[0]},{p[2]},{p[3]}")
    report(args[0], rows, *p)
    ungated = fit(rows, [99.0])
    enlarged = [r for r in rows if r["logZoom"] > 1]
    print(
        f"  without a zoom gate: slope {ungated[0]}, q0 {ungated[1]}, from {ungated[2]}; over the {len(enlarged)} volumes "
        f"enlarged more than 2× it changes F1 by {mean_f1(enlarged, *ungated) - mean_f1(enlarged, 0.0, 1.0):+.4f}"
    )
    print("  by own threshold: " + ", ".join(
        f"<{hi}: {mean_f1([r for r in rows if lo_ <= r['ruleThreshold'] < hi], *p) - mean_f1([r for r in rows if lo_ <= r['ruleThreshold'] < hi], 0, 1):+.4f} ({sum(lo_ <= r['ruleThreshold'] < hi for r in rows)})"
        for lo_, hi in ((0, 0.5), (0.5, 0.7), (0.7, 1.1))
    ))
    for path in args[1:]:
        _, held = load(path, lo)
        report(path, held, *p)


if __name__ == "__main__":
    main()
