"""Would sending some volumes to a second model pay? Offline, on two dumps of
tools/analysis/rule-features.ts made on the same volumes (the same `from`, count, family and SNR
range) by two models, e.g. `default` and `tissue`: each volume scored at the threshold its model's
rule gave it (`ruleThreshold`, as detect gives it), and a routing rule that sends a volume to the
second model when, on the FIRST model's map (what detection would have in hand before deciding),
its clutter q (map maxima scoring in [lo, confidence) per maximum scoring >= confidence, as
`maximaClutter` counts them) is at least q0, its own threshold at least `from` and its log2 zoom at
most `maxLogZoom`. Prints each model alone, the per-volume oracle (the better of the two for every
volume), the rule fitted on all volumes with its gain, and a 2-fold cross-validated gain repeated 10
times (fitted on one half, scored on the other).

    /usr/bin/python3 tools/analysis/route_model.py first.json second.json [--lo 0.5] [--params params.json]

With `--params` (tools/analysis/family-params.ts of the same volumes) it also prints both models by
what the volumes hold: granular cells (cells with texture), smooth cells, no cells, and the virus
validation volumes.
"""

import json
import sys

import numpy as np
from rule_features import f1_at, pop_option, random_halves  # F1 at a threshold, on a dump row's curve

Q0S = [0.0, 0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 99.0]
FROMS = [0.0, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]
MAX_ZOOMS = [0.5, 1.0, 2.0, 99.0]


def clutter(row, lo, conf):
    s = np.asarray(row["scores"])
    confident = int((s >= conf).sum())
    return float(((s >= lo) & (s < conf)).sum()) / max(confident, 1)


def pairs(first, second, lo):
    a, b = json.load(open(first)), json.load(open(second))
    by_id = {r["id"]: r for r in b["rows"]}
    out = []
    for r in a["rows"]:
        s = by_id.get(r["id"])
        if s is None or r.get("ruleThreshold") is None or s.get("ruleThreshold") is None:
            continue
        out.append(
            {
                "id": r["id"],
                "q": clutter(r, lo, a["confidence"]),
                "t": r["ruleThreshold"],
                "zoom": r.get("logZoom", 0.0),
                "f1a": f1_at(r, r["ruleThreshold"]),
                "f1b": f1_at(s, s["ruleThreshold"]),
            }
        )
    return a, b, out


def routed(row, p):
    q0, start, max_zoom = p
    return row["q"] >= q0 and row["t"] >= start and row["zoom"] <= max_zoom


def scores(rows, p):
    return np.array([r["f1b"] if routed(r, p) else r["f1a"] for r in rows])


PARAMS = [(q, f, z) for q in Q0S for f in FROMS for z in MAX_ZOOMS]


def fit(rows):
    """The best mean F1's (q0, from, maxLogZoom); ties to the fewest volumes routed."""
    return max(PARAMS, key=lambda p: (scores(rows, p).mean(), -sum(routed(r, p) for r in rows)))


def main():
    args = sys.argv[1:]
    lo = pop_option(args, "--lo", 0.5)
    params_path = pop_option(args, "--params", None, str)
    params = json.load(open(params_path)) if params_path else None
    a, b, rows = pairs(args[0], args[1], lo)
    f1a = np.array([r["f1a"] for r in rows])
    f1b = np.array([r["f1b"] for r in rows])
    print(f"{a['model']} → {b['model']}: {len(rows)} volumes (effects {a.get('effects')}, snr {a.get('snr')}), lo {lo}")
    print(f"  {a['model']} alone {f1a.mean():.4f}, {b['model']} alone {f1b.mean():.4f}, oracle {np.maximum(f1a, f1b).mean():.4f}")
    print(f"  {b['model']} better in {int((f1b > f1a + 0.0005).sum())}, worse in {int((f1b < f1a - 0.0005).sum())}")
    p = fit(rows)
    s = scores(rows, p)
    n = sum(routed(r, p) for r in rows)
    print(f"  fitted on all: q0 {p[0]}, from {p[1]}, maxLogZoom {p[2]}: {s.mean():.4f} ({s.mean() - f1a.mean():+.4f}), {n} routed")
    moved = [r for r in rows if routed(r, p)]
    if moved:
        d = np.array([r["f1b"] - r["f1a"] for r in moved])
        print(f"    of them better {int((d > 0.0005).sum())}, worse {int((d < -0.0005).sum())}, mean {d.mean():+.4f}")
    rng = np.random.default_rng(0)
    cv = []
    for _ in range(10):
        x, y = random_halves(rows, rng)
        for train, test in ((x, y), (y, x)):
            q = fit(train)
            cv.append(scores(test, q).mean() - np.mean([r["f1a"] for r in test]))
    print(f"  2-fold CV × 10: gain {np.mean(cv):+.4f} ± {np.std(cv):.4f}")
    print("  by clutter q on the first map (volumes; mean F1 first / second):")
    for lo_q, hi_q in ((0, 0.35), (0.35, 0.7), (0.7, 1.4), (1.4, 2.8), (2.8, 1e9)):
        sel = [r for r in rows if lo_q <= r["q"] < hi_q]
        if sel:
            print(
                f"    [{lo_q}, {hi_q if hi_q < 1e9 else 'inf'}): {len(sel)}; "
                f"{np.mean([r['f1a'] for r in sel]):.4f} / {np.mean([r['f1b'] for r in sel]):.4f}"
            )
    if params is not None:
        print("  by what the volumes hold (volumes; mean F1 first / second; second better / worse):")

        def group(r):
            p = params.get(r["id"])
            if p is None:
                return "virus"
            return "granular cells" if p["texture"] > 0 and p["cells"] > 0 else "smooth cells" if p["cells"] > 0 else "no cells"

        for g in ("granular cells", "smooth cells", "no cells", "virus"):
            sel = [r for r in rows if group(r) == g]
            if sel:
                fa = np.array([r["f1a"] for r in sel])
                fb = np.array([r["f1b"] for r in sel])
                print(
                    f"    {g}: {len(sel)}; {fa.mean():.4f} / {fb.mean():.4f}; "
                    f"{int((fb > fa + 0.0005).sum())} / {int((fb < fa - 0.0005).sum())}"
                )


if __name__ == "__main__":
    main()
