#!/usr/bin/env python3
"""F1 per robustness scenario at each local SNR, one bar per method, from bench:robustness.

    /usr/bin/python3 tools/plots/robustness.py RESULTS_JSON OUT_PNG    (Debian: python3-matplotlib)

RESULTS_JSON is what tools/bench-robustness.ts writes (bench-output/robustness/results.json).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

results = json.load(open(sys.argv[1]))
rows = results["rows"]
scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
snrs = sorted(set(r["snr"] for r in rows))
methods = list(rows[0]["methods"].keys())
colours = ["tab:red", "tab:blue", "tab:green", "tab:purple"]

fig, axes = plt.subplots(len(snrs), 1, figsize=(max(8, 0.8 * len(scenarios) + 2), 2.6 * len(snrs)), sharex=True)
if len(snrs) == 1:
    axes = [axes]
width = 0.8 / len(methods)
for ax, snr in zip(axes, snrs):
    for k, method in enumerate(methods):
        f1 = []
        for s in scenarios:
            row = next((r for r in rows if r["scenario"] == s and r["snr"] == snr), None)
            f1.append(row["methods"][method]["f1"] if row else float("nan"))
        colour = "tab:grey" if method == "sef3d" else colours[k % len(colours)]
        label = "SEF3D (true σ, tuned threshold)" if method == "sef3d" else method
        ax.bar([i + (k - (len(methods) - 1) / 2) * width for i in range(len(scenarios))], f1, width, label=label, color=colour)
    ax.axhline(0.95, color="black", linewidth=0.6, linestyle="--")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(f"F1, SNR {snr:g}")
axes[0].legend(loc="lower left", fontsize=8, ncol=len(methods))
axes[-1].set_xticks(range(len(scenarios)))
axes[-1].set_xticklabels(scenarios, rotation=35, ha="right")
axes[0].set_title(
    f"Held-out general scenarios ({results['replicates']} volumes each, gate 5 voxels); dashed: F1 0.95",
    fontsize=9,
)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
