#!/usr/bin/env python3
"""Plot of the adaptive wing loss against MSE for a background voxel (y = 0) and a particle centre
(y = 1), with their gradients: docs/figures/awing-vs-mse.png.

    /usr/bin/python3 tools/plots/awing_vs_mse.py     (Debian: python3-numpy, python3-matplotlib)

The formula is eq. 1 with the published exponent and the paper's parameters (alpha 2.1, omega 14,
epsilon 1, theta 0.5), as in @dmdet/losses.
"""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ALPHA, OMEGA, EPS, THETA = 2.1, 14.0, 1.0, 0.5


def awing(y, x):
    d = np.abs(y - x)
    a = ALPHA - y
    t = THETA / EPS
    A = OMEGA * (1 / (1 + t**a)) * a * t ** (a - 1) / EPS
    C = THETA * A - OMEGA * np.log1p(t**a)
    return np.where(d < THETA, OMEGA * np.log1p((d / EPS) ** a), A * d - C)


x = np.linspace(0, 1, 501)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for y, style in ((0.0, "-"), (1.0, "--")):
    aw = awing(y, x)
    mse = (y - x) ** 2
    axes[0].plot(x, aw, "C0" + style, label=f"AWing, y = {y:g}")
    axes[0].plot(x, mse, "C1" + style, label=f"MSE, y = {y:g}")
    axes[1].plot(x, np.abs(np.gradient(aw, x)), "C0" + style, label=f"AWing, y = {y:g}")
    axes[1].plot(x, np.abs(np.gradient(mse, x)), "C1" + style, label=f"MSE, y = {y:g}")
axes[0].set(xlabel="prediction ŷ", ylabel="loss", title="Loss per voxel")
axes[1].set(xlabel="prediction ŷ", ylabel="|d loss / d ŷ|", title="Gradient magnitude", yscale="log", ylim=(1e-3, 30))
for ax in axes:
    ax.axvline(THETA, color="0.8", lw=0.8)
    ax.axvline(1 - THETA, color="0.8", lw=0.8)
    ax.legend(fontsize=8)
fig.suptitle("AWing (α 2.1, ω 14, ε 1, θ 0.5) vs MSE: a particle voxel (y = 1) is pulled hard even when\n"
             "almost right; a background voxel (y = 0) with a small error is left nearly alone", fontsize=9)
fig.tight_layout()
out = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "figures", "awing-vs-mse.png")
os.makedirs(os.path.dirname(out), exist_ok=True)
fig.savefig(out, dpi=110)
print(os.path.normpath(out))
