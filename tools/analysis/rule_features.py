"""Compares threshold rules offline on the dump of tools/analysis/rule-features.ts: the model's own
rule (each volume at the threshold detect gave it), a signal rule refitted like fitThresholdRule
(knots at signal quantiles, each bin's best mean-F1 threshold, linear between knots), and the same
fitted separately on volumes of low and high density of confident maxima (split at the training
fold's median density): mean F1 over volumes with a signal, 2-fold cross-validation repeated 20
times, and the per-volume oracle.

    /usr/bin/python3 tools/analysis/rule_features.py bench-output/rule-features-9000.json
"""

import json
import sys

import numpy as np

CANDIDATES = [round(0.05 * i, 2) for i in range(1, 20)]


def f1(c):
    _, tp, fp, fn = c
    d = 2 * tp + fp + fn
    return 2 * tp / d if d else 1.0


def pop_option(args, name, default, cast=float):
    """Takes `name value` out of the argument list `args` (in place): the value cast, else `default`."""
    if name not in args:
        return default
    i = args.index(name)
    value = cast(args[i + 1])
    del args[i : i + 2]
    return value


def random_halves(rows, rng):
    """The rows split in two at random (one permutation drawn from `rng`), for 2-fold cross-validation."""
    order = rng.permutation(len(rows))
    half = len(rows) // 2
    return [rows[i] for i in order[:half]], [rows[i] for i in order[half:]]


def f1_at(row, t):
    """F1 keeping detections scoring >= t: the largest grid threshold <= t."""
    kept = [c for c in row["curve"] if c[0] <= t + 1e-9]
    return f1(kept[-1] if kept else row["curve"][0])


def fit_signal_rule(rows, knots):
    signals = sorted(r["signal"] for r in rows)
    edges = np.quantile(signals, np.linspace(0, 1, knots + 1))
    bins = []
    for k in range(knots):
        b = [r for r in rows if edges[k] <= r["signal"] <= edges[k + 1]]
        if bins and not np.median([r["signal"] for r in b]) > np.median([r["signal"] for r in bins[-1]]):
            bins[-1] += [r for r in b if r not in bins[-1]]
        else:
            bins.append(b)
    ks = [float(np.median([r["signal"] for r in b])) for b in bins]
    ts = [max(CANDIDATES, key=lambda t: (sum(f1_at(r, t) for r in b), t)) for b in bins]
    return lambda r: float(np.interp(r["signal"], ks, ts))


def fit_density_rule(rows, knots):
    cut = float(np.median([r["density"] for r in rows]))
    low = fit_signal_rule([r for r in rows if r["density"] < cut], knots)
    high = fit_signal_rule([r for r in rows if r["density"] >= cut], knots)
    return lambda r: (low if r["density"] < cut else high)(r)


def main():
    data = json.load(open(sys.argv[1]))
    rows = [r for r in data["rows"] if r["signal"] is not None]
    print(f"{len(rows)} of {len(data['rows'])} volumes with a signal (model {data['model']})")
    own = np.mean([f1_at(r, r["ruleThreshold"]) for r in rows])
    oracle = np.mean([max(f1(c) for c in r["curve"]) for r in rows])
    rng = np.random.default_rng(0)
    results = {}
    for name, fit, knots in [
        ("signal rule, 4 knots", fit_signal_rule, 4),
        ("signal rule by density, 2 × 3 knots", fit_density_rule, 3),
        ("signal rule by density, 2 × 4 knots", fit_density_rule, 4),
    ]:
        scores = []
        for _ in range(20):
            a, b = random_halves(rows, rng)
            for train, test in ((a, b), (b, a)):
                rule = fit(train, knots)
                scores.append(np.mean([f1_at(r, rule(r)) for r in test]))
        results[name] = (np.mean(scores), np.std(scores))
    print(f"the model's own rule: mean F1 {own:.4f}")
    for name, (m, s) in results.items():
        print(f"{name} (2-fold CV × 20): mean F1 {m:.4f} ± {s:.4f}")
    print(f"per-volume oracle: mean F1 {oracle:.4f}")
    faint = [r for r in rows if r["signal"] < 0.15]
    if faint:
        dense = [r for r in faint if r["density"] >= np.median([x["density"] for x in rows])]
        print(f"signal < 0.15: {len(faint)} volumes, {len(dense)} of them dense; own rule {np.mean([f1_at(r, r['ruleThreshold']) for r in faint]):.3f}, oracle {np.mean([max(f1(c) for c in r['curve']) for r in faint]):.3f}")
        for r in sorted(faint, key=lambda r: r["truth"]):
            f1s = [f1(c) for c in r["curve"]]
            near = [c[0] for c, v in zip(r["curve"], f1s) if v >= max(f1s) - 0.01]
            print(f"  {r['id']:>24} spots {r['truth']:5d}  best threshold {min(near):.3f}–{max(near):.3f}")
        full = fit_density_rule(rows, 3)
        print(f"  density rule fitted on all (in-sample): {np.mean([f1_at(r, full(r)) for r in faint]):.3f}")


if __name__ == "__main__":
    main()
