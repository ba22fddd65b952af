"""How the clutter-raise guard (`clutterRaiseHolds` of @dmdet/postprocess: a raise is not applied
where the raised threshold keeps fewer than a tenth of the map maxima the unraised one keeps) acts on
a dump of tools/analysis/contrast-cut.ts made before it: each volume's unraised threshold is its
rule's (built-in model's knots, zoom slope, fallback) without the clutter term, its raised one the
dump's `rule` (as detect gave it then). Prints the volumes where the guard acts, with F1 at both
thresholds, and the mean F1 per group with and without the guard.

    /usr/bin/python3 tools/analysis/guard_check.py bench-output/detection-features.json [model.json]
"""

import json
import math
import sys
from collections import defaultdict

import numpy as np

from contrast_cut import matches


def unraised_threshold(rule, signal, fallback, zoom):
    if signal is None:
        return rule.get("fallback", fallback)
    k, t = rule["knots"], rule["thresholds"]
    if signal <= k[0]:
        base = t[0]
    elif signal >= k[-1]:
        base = t[-1]
    else:
        i = next(j for j in range(1, len(k)) if k[j] >= signal)
        base = t[i - 1] + (t[i] - t[i - 1]) * (signal - k[i - 1]) / (k[i] - k[i - 1])
    slope = rule.get("zoomSlope", 0)
    return base if slope == 0 else min(0.999, max(0.01, base + slope * math.log2(zoom)))


def f1(row, t):
    det = [c[:3] for c in row["candidates"] if c[3] >= t]
    tp = matches(row["truth"], det)
    d = len(det) + len(row["truth"])
    return 2 * tp / d if d else 1.0


def main():
    rows = json.load(open(sys.argv[1]))
    model = sys.argv[2] if len(sys.argv) > 2 else "packages/pipeline/model/general/model.json"
    meta = json.load(open(model))["userDefinedMetadata"]["dmdet"]
    rule, fallback = meta["thresholdRule"], meta["threshold"]
    groups = defaultdict(lambda: [[], []])
    acted = 0
    for r in rows:
        if r["rule"] is None:
            continue
        raised = r["rule"]
        unraised = unraised_threshold(rule, r["signal"], fallback, r["zoom"])
        s = np.array([c[3] for c in r["candidates"]])
        base, kept = int((s >= unraised).sum()), int((s >= raised).sum())
        holds = raised <= unraised + 1e-9 or base == 0 or kept >= 0.1 * base
        t = raised if holds else unraised
        g = r["group"] if r["group"] in ("general", "virus") else r["group"].split("/")[0]
        groups[g][0].append(f1(r, raised))
        groups[g][1].append(f1(r, t))
        if not holds:
            acted += 1
            print(f"  acts: {r['id']:28s} raised {raised:.3f} unraised {unraised:.3f} kept {kept}/{base} F1 {f1(r, raised):.3f} -> {f1(r, unraised):.3f} ({len(r['truth'])} spots)")
    print(f"the guard acts on {acted} of {len(rows)} volumes; mean F1 per group, before -> with the guard:")
    for g, (a, b) in sorted(groups.items()):
        print(f"  {g:20s} n{len(a):4d} {np.mean(a):.4f} -> {np.mean(b):.4f}")


if __name__ == "__main__":
    main()
