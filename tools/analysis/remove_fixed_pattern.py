"""A camera's fixed pixel pattern taken out of z stacks, offline: what a gated correction in the
input transform could gain (a trial; `@dmdet/preprocess` has no such step yet).

An sCMOS pixel's own offset is the same in every slice of a stack, so it is a pattern constant along
z, which no spot is. Per stack: each pixel's median over z (or, with `--quantile 0.25`, its lower
quartile, which a spot's light, only ever added, raises less), minus the 5×5 in-plane median of those
medians (cells and other smooth light stay), is the pattern p; white noise alone gives p a spread of
about 1.2533 σ / √Z (σ the voxels' robust spread about their pixel's median). Where the pattern's
robust spread is more than `--gate` times that, p × (1 − expected² / observed²) is subtracted from
every slice (shrunk by what noise alone would have put into it); elsewhere the stack is left as it
is. Stacks of fewer than 8 slices are left as they are (a spot could fill half of them).

    /usr/bin/python3 tools/analysis/remove_fixed_pattern.py IN OUT [--gate 2] [--quantile 0.5|0.25] [--whiten]

With `--whiten`, in the stacks it corrects it also scales each pixel's deviations from its median
over z down to the robust spread of its 5×5 neighbourhood's (never up, at most 5×): an sCMOS's
noisy pixels.

IN is a folder of `tools/analysis/optical_psf_stacks.py`; OUT gets the corrected stacks, the truth
files and cases.json, for `tools/analysis/external-stacks.ts OUT`. Prints each stack's ratio.
"""

import argparse
import json
import os
import shutil

import numpy as np
import tifffile
from scipy.ndimage import median_filter


# The spread of a sample quantile q of Z normal draws of σ 1, times √Z: √(q(1 − q)) / φ(Φ⁻¹(q)).
QUANTILE_SPREAD = {0.5: 1.2533, 0.25: 1.3626}


def fixed_pattern(stack, q=0.5):
    """The pattern (Y×X) and its robust spread over what white noise alone would give it, each
    pixel's level read as its quantile q over z (spots only add light, so a low q is less raised
    by them)."""
    z = stack.shape[0]
    m = np.quantile(stack, q, axis=0)
    p = m - median_filter(m, size=5, mode="nearest")
    med = np.median(stack, axis=0)
    within = 1.4826 * np.median(np.abs(stack - med[None]))
    expected = QUANTILE_SPREAD[q] * within / np.sqrt(z)
    spread = 1.4826 * np.median(np.abs(p - np.median(p)))
    return p, spread / max(expected, 1e-12), expected, spread


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--gate", type=float, default=2.0)
    ap.add_argument("--quantile", type=float, default=0.5, choices=sorted(QUANTILE_SPREAD))
    ap.add_argument("--whiten", action="store_true", help="also scale noisy pixels down (where the pattern is removed)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cases = json.load(open(os.path.join(a.src, "cases.json")))
    shutil.copy(os.path.join(a.src, "cases.json"), os.path.join(a.out, "cases.json"))
    for name, entry in cases.items():
        for f in entry["files"]:
            with tifffile.TiffFile(os.path.join(a.src, f["tif"])) as t:
                stack = t.asarray().astype(np.float64)
                meta = t.imagej_metadata or {}
                res = t.pages[0].resolution
            p, ratio, expected, spread = fixed_pattern(stack, a.quantile)
            applied = stack.shape[0] >= 8 and ratio > a.gate
            if applied:
                stack = stack - (1 - (expected / spread) ** 2) * p[None]
            if applied and a.whiten:
                # Noisy pixels: each pixel's deviations from its median over z scaled down to the
                # robust spread of its neighbourhood's (never up).
                m = np.median(stack, axis=0)
                own = 1.4826 * np.median(np.abs(stack - m[None]), axis=0)
                near = median_filter(own, size=5, mode="nearest")
                w = np.clip(near / np.maximum(own, 1e-12), 0.2, 1.0)
                stack = m[None] + (stack - m[None]) * w[None]
            tifffile.imwrite(
                os.path.join(a.out, f["tif"]),
                np.clip(np.round(stack), 0, 65535).astype(np.uint16),
                imagej=True,
                resolution=res,
                metadata={"spacing": meta.get("spacing", 1), "unit": "um", "axes": "ZYX"},
            )
            shutil.copy(os.path.join(a.src, f["truth"]), os.path.join(a.out, f["truth"]))
            print(f"{f['tif']}: pattern {ratio:.2f}× noise's{' → removed' if applied else ''}")


if __name__ == "__main__":
    main()
