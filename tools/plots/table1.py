#!/usr/bin/env python3
"""F1 and RMSE against SNR for each method of the Table 1 reproduction, beside the paper's numbers.

    /usr/bin/python3 tools/plots/table1.py RESULTS_JSON OUT_PNG    (Debian: python3-matplotlib)

RESULTS_JSON is what tools/bench-table1.ts writes (bench-output/table1/<scale>/results.json). Where
it holds an extended test set (--extended-test), the plot shows that larger set; else the test split.
Solid: one threshold per method; dotted (F1 only): a threshold per SNR level; dashed: the paper.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABEL = {"sef3d": "SEF3D", "detnet3d": "DetNet3D", "dm-detnet3d": "DM-DetNet3D", "mse": "DM-DetNet3D (MSE)"}
COLOUR = {"sef3d": "tab:grey", "detnet3d": "tab:blue", "dm-detnet3d": "tab:red", "mse": "tab:orange"}

results = json.load(open(sys.argv[1]))
extended = all("extendedPerSnr" in r for r in results["methods"].values())
per_snr_key = "extendedPerSnr" if extended else "perSnr"
test_count = results["counts"]["extendedTest"] if extended else results["counts"]["test"]
test_name = f"extended test set, seed {results['extendedTest']['seed']}" if extended else "test split"
test_shape = results["extendedTest"].get("shape", results["shape"]) if extended else results["shape"]


def num(v):
    """JSON has no NaN: an RMSE without matched pairs arrives as null."""
    return float("nan") if v is None else v


fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for method, r in results["methods"].items():
    rows = sorted((g for g in r[per_snr_key] if isinstance(g["snr"], (int, float))), key=lambda g: g["snr"])
    snr = [g["snr"] for g in rows]
    for ax, key in zip(axes, ["f1", "rmse"]):
        ax.errorbar(snr, [num(g[key]["mean"]) for g in rows], yerr=[num(g[key]["std"]) for g in rows], marker="o",
                    capsize=3, color=COLOUR.get(method), label=f"{LABEL.get(method, method)} (ours)")
    levels = r.get("thresholdsPerSnrLevel", {}).get(per_snr_key)
    if levels:
        rows = sorted((g for g in levels if isinstance(g["snr"], (int, float))), key=lambda g: g["snr"])
        axes[0].plot([g["snr"] for g in rows], [num(g["f1"]["mean"]) for g in rows], linestyle=":", marker=".",
                     color=COLOUR.get(method), label=f"{LABEL.get(method, method)} (ours, threshold per SNR)")
for method, per in results["paper"].items():
    snr = sorted(int(s) for s in per)
    for ax, k in zip(axes, [0, 1]):
        ax.plot(snr, [per[str(s)][k] for s in snr], linestyle="--", marker="x", color=COLOUR.get(method),
                alpha=0.6, label=f"{LABEL.get(method, method)} (paper)")
axes[0].set_ylabel(f"F1 ({test_name}, gate 5 voxels)")
axes[1].set_ylabel("RMSE of matched pairs (voxels)")
for ax in axes:
    ax.set_xlabel("SNR")
    ax.set_xticks([1, 2, 4, 7])
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=7, loc="lower right")
fig.suptitle(f"Simulated virus scenario, scale '{results['scale']}' ({test_count} test volumes "
             f"{'x'.join(str(n) for n in test_shape)}; trained on {'x'.join(str(n) for n in results['shape'])})",
             fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print(f"wrote {sys.argv[2]}")
