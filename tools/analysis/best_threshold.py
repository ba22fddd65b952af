"""Each volume's F1 at the threshold detect chose and at the best threshold for it alone (0.2–0.95
in steps of 0.025), from a dump of tools/analysis/dump-robustness-maps.ts: how far a better
threshold could take each volume, i.e. whether a case is limited by the threshold or by the map.

    /usr/bin/python3 tools/analysis/best_threshold.py bench-output/robustness-maps

Maxima as maps_lib.py finds them (3×5×5 window, plateaus merged); matches within 5 voxels.
"""

import json
import sys

import numpy as np
from maps_lib import matched, maxima


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench-output/robustness-maps"
    print("volume                    detect's: threshold  F1    best: threshold  F1")
    for it in json.load(open(f"{d}/meta.json")):
        m = np.fromfile(f"{d}/{it['id']}.f32", dtype=np.float32).reshape(it["shape"])
        c, v = maxima(m, 0.05)
        truth = np.array(it["points"]).reshape(-1, 3)

        def f1(t):
            keep = v >= t
            return 2 * matched(truth, c[keep]).sum() / max(1, len(truth) + keep.sum())

        best = max(np.arange(0.2, 0.951, 0.025), key=lambda t: (f1(t), -t))
        print(f"{it['id']:26s}{it['threshold']:18.3f}  {f1(it['threshold']):.3f}  {best:15.3f}  {f1(best):.3f}")


if __name__ == "__main__":
    main()
