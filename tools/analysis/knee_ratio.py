"""Chooses the input knee's `kneeRatio` from knee-sweep.ts output: for each candidate ratio c, every
volume's knee is max(20, spotPeak / c) and its F1 is read off the sweep (linear in log knee between
the swept knees); prints the mean F1 per SNR and over all, and the largest loss against a fixed
knee of 20 (the sweep's first knee).

    /usr/bin/python3 tools/analysis/knee_ratio.py sweep-a.jsonl [sweep-b.jsonl ...]
"""
import json
import math
import sys

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]
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
print(f"{len(rows)} volumes; knee = max({base}, spot peak / ratio)")
print("ratio   | mean F1 | " + " | ".join(f"SNR {s}" for s in snrs) + " | largest loss against a fixed knee")
for ratio in [math.inf, 80, 60, 50, 40, 30, 25, 20, 15, 12, 10, 8, 6]:
    by = {s: [] for s in snrs}
    worst = (0.0, "-", 0)
    for r in rows:
        peak = r["spotPeak"] if r["spotPeak"] is not None else 0
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
