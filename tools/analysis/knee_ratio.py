"""Chooses the input knee's `kneeRatio` from knee-sweep.ts output: for each candidate ratio c, every
volume's knee is max(20, spotPeak / c) and its F1 is read off the sweep (linear in log knee between
the swept knees); prints the mean F1 per SNR and over all, and the largest loss against a fixed
knee of 20 (the sweep's first knee).

    /usr/bin/python3 tools/analysis/knee_ratio.py sweep-a.jsonl [sweep-b.jsonl ...] [--peak peak75]

`--peak` names the peak statistic the knee follows: `spotPeak` (the median, the default), or
`peak75` / `peak90` (the 75th / 90th percentile of the same maxima, where the sweep recorded them).
"""
import json
import math
import sys

args = sys.argv[1:]
field = "spotPeak"
if "--peak" in args:
    i = args.index("--peak")
    field = args[i + 1]
    del args[i : i + 2]
# Lines of the same scenario and SNR are merged (a peaks-only sweep adds its fields to an earlier one's).
merged = {}
for path in args:
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            merged.setdefault((r["scenario"], r["snr"]), {}).update({k: v for k, v in r.items() if k not in ("f1", "knees") or v})
rows = [r for r in merged.values() if r.get("f1")]
if not rows:
    sys.exit("usage: knee_ratio.py sweep.jsonl [...]")


def f1_at(row, knee):
    ks = [math.log(k) for k in row["knees"]]
    f = row["f1"]
    lk = math.log(knee)
    if lk <= ks[0]:
        return f[0]
    if lk >= ks[-1]:
        return f[-1]
    for i in range(len(ks) - 1):
        if ks[i] <= lk <= ks[i + 1]:
            t = (lk - ks[i]) / (ks[i + 1] - ks[i])
            return f[i] * (1 - t) + f[i + 1] * t


base = rows[0]["knees"][0]
snrs = sorted({r["snr"] for r in rows})
print(f"{len(rows)} volumes; knee = max({base}, {field} / ratio)")
print("ratio   | mean F1 | " + " | ".join(f"SNR {s}" for s in snrs) + " | largest loss against a fixed knee")
for ratio in [math.inf, 200, 150, 120, 100, 80, 60, 50, 40, 30, 25, 20, 15, 12, 10, 8, 6]:
    by = {s: [] for s in snrs}
    worst = (0.0, "-", 0)
    for r in rows:
        peak = r.get(field) or 0
        f = f1_at(r, max(base, peak / ratio))
        by[r["snr"]].append(f)
        worst = min(worst, (f - r["f1"][0], r["scenario"], r["snr"]))
    every = [f for v in by.values() for f in v]
    label = "fixed" if ratio == math.inf else str(ratio)
    print(
        f"{label:7} | {sum(every) / len(every):.4f}  | "
        + " | ".join(f"{sum(by[s]) / len(by[s]):.3f}" for s in snrs)
        + f" | {worst[0]:+.3f} ({worst[1]}, SNR {worst[2]})"
    )
