"""Fits a threshold rule's valley term offline, on the dump of tools/analysis/contrast-cut.ts: where
the scores of a volume's map maxima (those >= FROM) have a valley below their top mode (the kernel
density's least value between FROM and its highest point at or above top_from, at most max_depth of
that point), the volume's threshold moves to the valley: down to it where the volume's signal is below
lower_below or unknown (in bright volumes spots score confidently, and what scores below them is
their lobes and splits, as with astigmatic or tilted elongated PSFs), up to it only where the
volume's signal is at least raise_from (a brighter volume, whose spots score confidently, so that
what scores in between is clutter, not faint spots) and the raise keeps at least a tenth of the
maxima the rule's threshold keeps, and only in volumes enlarged for the model by at most
2^max_log_zoom voxels (the dump's `zoom`; small spots blown up to the model's scale read a high
signal from noise peaks of a spot's shape, as for the clutter term's gate). The same numerics as `scoreValley` / `valleyThreshold` of
@dmdet/postprocess (tests check the two agree).

Fitted on the general + virus volumes (the training family, seeds no training used; two-fold
cross-validation over them, three splits); raise_from is then read off the robustness-scenario
volumes (seeds of their own, not the benchmark's test seeds): the family does not ask for raises
either way; max_log_zoom likewise (the diffraction-PSF stacks of tools/external-stacks.ts, outside
the dump, asked for it: air NA 0.8 at SNR 2, enlarged ~3x, was raised into its noise), and
lower_below off a dump of the robustness scenarios at SNR 20 / 30 / 60 / 120 (`--bright`: made by
`contrast-cut.ts <out> --model <copy without the term> --snr 20,30,60,120 --scenarios-only`), whose
table it prints beside the family and the check groups. Prints mean F1 (gate 5 voxels, optimal matching) per group.

    /usr/bin/python3 tools/analysis/valley_rule.py bench-output/detection-features.json [raise_from [max_log_zoom [lower_below]]] [--bright bench-output/bright-features.json]

The dump's `rule` is the threshold the dumped model's rule gave each volume, every term included:
dump a model without a valley term (`contrast-cut.ts --model <copy>`, the copy made with
`tools/set-threshold-valley.ts <copy> off`). raise_from (default 0.26), max_log_zoom (default 1;
inf for no gate) and lower_below (default 2; inf for no gate) pick the per-group table.
"""

import itertools
import json
import sys

import numpy as np

from contrast_cut import matches

FROM = 0.2
STEP = 0.01
MIN_KEPT = 0.1


def score_valley(scores, bandwidth, top_from, lo=FROM):
    """(valley, depth) of the maxima scores' Gaussian kernel density on lo, lo + STEP, ..., 1, or None."""
    if len(scores) < 3:
        return None
    xs = lo + STEP * np.arange(int(round((1 - lo) / STEP)) + 1)
    dens = np.exp(-0.5 * ((xs[:, None] - np.asarray(scores)[None, :]) / bandwidth) ** 2).sum(1)
    up = np.nonzero(xs >= top_from - 1e-9)[0]
    top = int(up[np.argmax(dens[up])])
    i = int(np.argmin(dens[: top + 1]))
    if i == 0 or i == top or not dens[top] > 0:
        return None
    return float(xs[i]), float(dens[i] / dens[top])


def threshold(row, p):
    bandwidth, top_from, max_depth, raise_from = p[:4]
    max_log_zoom = p[4] if len(p) > 4 else float("inf")
    lower_below = p[5] if len(p) > 5 else float("inf")
    rule = row["rule"]
    s = [c[3] for c in row["candidates"]]
    v = score_valley(s, bandwidth, top_from)
    if v is None or v[1] > max_depth:
        return rule
    t = v[0]
    if t > rule:
        if row["signal"] is None or row["signal"] < raise_from:
            return rule
        if sum(x >= t for x in s) < MIN_KEPT * sum(x >= rule for x in s):
            return rule
        if not np.log2(row["zoom"]) <= max_log_zoom:
            return rule
    elif t < rule and row["signal"] is not None and not row["signal"] < lower_below:
        return rule
    return t


CACHE = {}


def f1(i, row, t):
    key = (i, round(t, 4))
    if key not in CACHE:
        det = [c[:3] for c in row["candidates"] if c[3] >= t]
        n = len(det) + len(row["truth"])
        CACHE[key] = 2 * matches(row["truth"], det) / n if n else 1.0
    return CACHE[key]


def main(args, bright=None):
    path = args[0]
    rows = [r for r in json.load(open(path)) if r["rule"] is not None]
    nrows = len(rows)
    if bright:
        rows += [dict(r, group="bright " + r["group"]) for r in json.load(open(bright)) if r["rule"] is not None]
    fam = [i for i, r in enumerate(rows) if r["group"] in ("general", "virus")]
    chk = [i for i, r in enumerate(rows[:nrows]) if r["group"] not in ("general", "virus")]
    brt = {}
    for i, r in enumerate(rows[nrows:], nrows):
        brt.setdefault(int(r["group"].split("/")[1]), []).append(i)
    chk2 = [i for i in chk if rows[i]["group"].endswith("/2")]
    chk47 = [i for i in chk if not rows[i]["group"].endswith("/2")]

    def mean(p, idx):
        return float(np.mean([f1(i, rows[i], threshold(rows[i], p) if p else rows[i]["rule"]) for i in idx]))

    grid = list(itertools.product((0.03, 0.04, 0.05), (0.5, 0.6, 0.7), (0.2, 0.35, 0.5, 0.75, 1.0), (0.0, 99.0)))
    print("family: rule %.4f; check at SNR 2: %.4f, at SNR 4 and 7: %.4f" % (mean(None, fam), mean(None, chk2), mean(None, chk47)))
    famv = np.array(fam)
    for rep in range(3):
        perm = np.random.default_rng(rep).permutation(len(famv))
        folds = [famv[perm[: len(famv) // 2]], famv[perm[len(famv) // 2 :]]]
        out = []
        for k in range(2):
            best = max(grid, key=lambda p: mean(p, folds[k]))
            out.append("fitted %s, held-out gain %+.4f" % (best, mean(best, folds[1 - k]) - mean(None, folds[1 - k])))
        print("split %d: %s" % (rep, "; ".join(out)))
    best = max(grid, key=lambda p: mean(p, fam))
    print("best on all (raise_from 0 = raise anywhere, 99 = never):", best, "family %.4f" % mean(best, fam))
    print("raise_from   family  check SNR 2  check SNR 4-7")
    for rf in (0.0, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.35, 0.4, 99.0):
        p = best[:3] + (rf,)
        print("%10.2f  %+.4f  %+.4f      %+.4f" % (rf, mean(p, fam) - mean(None, fam), mean(p, chk2) - mean(None, chk2), mean(p, chk47) - mean(None, chk47)))
    rf = float(args[1]) if len(args) > 1 else 0.26
    print("max_log_zoom  family  check SNR 2  check SNR 4-7 (raise_from %.2f)" % rf)
    for mz in (float("inf"), 2.0, 1.0, 0.5):
        p = best[:3] + (rf, mz)
        print("%12.1f  %+.4f  %+.4f      %+.4f" % (mz, mean(p, fam) - mean(None, fam), mean(p, chk2) - mean(None, chk2), mean(p, chk47) - mean(None, chk47)))
    mz = float(args[2]) if len(args) > 2 else 1.0
    if brt:
        print("lower_below  family  check SNR 2  check SNR 4-7  %s (raise_from %.2f, max_log_zoom %.1f)" % ("  ".join("bright SNR %d" % k for k in sorted(brt)), rf, mz))
        for lb in (float("inf"), 8.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.75, 0.5):
            p = best[:3] + (rf, mz, lb)
            q = best[:3] + (rf, mz)
            cols = "  ".join("%+.4f       " % (mean(p, brt[k]) - mean(None, brt[k])) for k in sorted(brt))
            print("%11.2f  %+.4f  %+.4f      %+.4f        %s" % (lb, mean(p, fam) - mean(None, fam), mean(p, chk2) - mean(None, chk2), mean(p, chk47) - mean(None, chk47), cols))
    chosen = best[:3] + (rf, mz, float(args[3]) if len(args) > 3 else 2.0)
    print("chosen", chosen, "family %.4f (rule %.4f); per group (rule -> valley term; volumes changed):" % (mean(chosen, fam), mean(None, fam)))
    for g in sorted({rows[i]["group"] for i in range(len(rows))}):
        idx = [i for i in range(len(rows)) if rows[i]["group"] == g]
        n = sum(threshold(rows[i], chosen) != rows[i]["rule"] for i in idx)
        print("  %-20s %.3f -> %.3f (%d of %d)" % (g, mean(None, idx), mean(chosen, idx), n, len(idx)))


if __name__ == "__main__":
    argv = sys.argv[1:]
    bright_path = None
    if "--bright" in argv:
        k = argv.index("--bright")
        bright_path = argv[k + 1]
        del argv[k : k + 2]
    main(argv, bright_path)
