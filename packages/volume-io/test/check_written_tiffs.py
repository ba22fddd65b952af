#!/usr/bin/env python3
"""Independent check of TIFFs written by @dmdet/volume-io's writeTiff, with tifffile.

Usage: check_written_tiffs.py DIR
DIR holds NAME.tif files, NAME.raw (the expected voxels, little-endian, C order) and
expected.json ({NAME: {"shape": [z, y, x], "dtype": "uint16", "voxelSize": [z, y, x] | null}}).
Prints one JSON object {NAME: {"ok": bool, "problems": [...], ...what tifffile saw}}.
"""
import json
import os
import sys

import numpy as np
import tifffile


def check(folder, name, exp):
    problems = []
    seen = {}
    path = os.path.join(folder, name + ".tif")
    with tifffile.TiffFile(path) as tf:
        seen["is_imagej"] = bool(tf.is_imagej)
        if not tf.is_imagej:
            problems.append("tifffile does not see ImageJ metadata")
        series = tf.series[0]
        data = series.asarray()
        seen["shape"] = list(data.shape)
        seen["dtype"] = str(data.dtype)
        # tifffile squeezes a single slice to YX
        want_shape = exp["shape"] if exp["shape"][0] > 1 else exp["shape"][1:]
        if list(data.shape) != list(want_shape):
            problems.append(f"shape {list(data.shape)} != {want_shape}")
        if str(data.dtype) != exp["dtype"]:
            problems.append(f"dtype {data.dtype} != {exp['dtype']}")
        want = np.fromfile(os.path.join(folder, name + ".raw"), dtype=np.dtype(exp["dtype"]).newbyteorder("<"))
        if data.size == want.size and not np.array_equal(data.ravel(), want, equal_nan=data.dtype.kind == "f"):
            problems.append("voxel values differ")
        ij = tf.imagej_metadata or {}
        seen["imagej_metadata"] = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in ij.items()}
        if ij.get("images") != exp["shape"][0]:
            problems.append(f"images={ij.get('images')} != {exp['shape'][0]}")
        page = tf.pages[0]
        if exp["voxelSize"]:
            xr = page.tags["XResolution"].value
            yr = page.tags["YResolution"].value
            size = [float(ij.get("spacing", float("nan"))), yr[1] / yr[0], xr[1] / xr[0]]
            seen["voxelSize"] = size
            if ij.get("unit") not in ("micron", "um", "\\u00B5m"):
                problems.append(f"unit {ij.get('unit')!r} is not micron")
            if not np.allclose(size, exp["voxelSize"], rtol=1e-6):
                problems.append(f"voxel size {size} != {exp['voxelSize']}")
    return {"ok": not problems, "problems": problems, **seen}


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "expected.json")) as fh:
        expected = json.load(fh)
    print(json.dumps({name: check(folder, name, exp) for name, exp in expected.items()}))


if __name__ == "__main__":
    main()
