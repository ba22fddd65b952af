"""Busy and idle time per thread of a Node --cpu-prof run, and each thread's costliest functions.

    node --cpu-prof --cpu-prof-dir=<dir> --import tsx --conditions=@dmdet/source \
        packages/pipeline/src/cli/entry.ts detect <volume.tif> --out <csv> --force
    /usr/bin/python3 tools/analysis/cpu_profile_summary.py <dir> [top]

One .cpuprofile per thread (the main thread and each worker); "(idle)" is time the thread waited.
"""

import collections
import json
import pathlib
import sys


def summarise(path, top):
    profile = json.loads(path.read_text())
    nodes = {n["id"]: n for n in profile["nodes"]}
    times = collections.Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[sample]["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        where = frame["url"].rsplit("/", 1)[-1]
        times[f"{name} {where}:{frame['lineNumber']}" if where else name] += delta
    total = sum(times.values()) / 1e6
    idle = times.get("(idle)", 0) / 1e6
    print(f"{path.name}: {total:.1f} s, busy {total - idle:.1f} s, idle {idle:.1f} s")
    for key, us in times.most_common(top):
        print(f"  {us / 1e6:8.2f} s  {key}")


if __name__ == "__main__":
    folder = pathlib.Path(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    for file in sorted(folder.glob("*.cpuprofile")):
        summarise(file, top)
