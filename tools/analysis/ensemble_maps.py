"""Whether averaging two models' maps beats either: from two dumps of
tools/analysis/dump-robustness-maps.ts on the same scenarios, SNRs and volume count (the same
volumes, resampled alike), each volume's F1 for model A at its own threshold, B at its own, their
mean map at A's threshold and at the mean of the two, and each at the best threshold for that
volume alone (0.2–0.95 in steps of 0.025); then the means per case and over all.

    /usr/bin/python3 tools/analysis/ensemble_maps.py <dump A> <dump B>

Maxima and matching as maps_lib.py (3×5×5 window, 5 voxels in the map's grid).
"""
import json, sys, numpy as np
sys.path.insert(0, __import__('os').path.dirname(__file__))
from maps_lib import matched, maxima
A, B = sys.argv[1], sys.argv[2]
ma = {it['id']: it for it in json.load(open(f'{A}/meta.json'))}
mb = {it['id']: it for it in json.load(open(f'{B}/meta.json'))}
grid = np.arange(0.2, 0.951, 0.025)
print('volume                 A@tA   B@tB   E@tA   E@mean  | bestA  bestB  bestE')
rows = []
for k, it in ma.items():
    if k not in mb: continue
    a = np.fromfile(f'{A}/{k}.f32', dtype=np.float32).reshape(it['shape'])
    b = np.fromfile(f'{B}/{k}.f32', dtype=np.float32).reshape(mb[k]['shape'])
    e = (a + b) / 2
    truth = np.array(it['points']).reshape(-1, 3)
    def f1m(m):
        c, v = maxima(m, 0.05)
        return lambda t: 2 * matched(truth, c[v >= t]).sum() / max(1, len(truth) + (v >= t).sum())
    fa, fb, fe = f1m(a), f1m(b), f1m(e)
    ta, tb = it['threshold'], mb[k]['threshold']
    r = [fa(ta), fb(tb), fe(ta), fe((ta + tb) / 2), max(map(fa, grid)), max(map(fb, grid)), max(map(fe, grid))]
    rows.append((k, r))
    print(f"{k:22s} " + ' '.join(f'{x:.3f}' for x in r[:4]) + '  | ' + ' '.join(f'{x:.3f}' for x in r[4:]))
by = {}
for k, r in rows:
    by.setdefault(k.rsplit('-', 1)[0], []).append(r)
print('case                   A@tA   B@tB   E@tA   E@mean  | bestA  bestB  bestE')
for c, rs in by.items():
    m = np.mean(rs, axis=0)
    print(f"{c:22s} " + ' '.join(f'{x:.3f}' for x in m[:4]) + '  | ' + ' '.join(f'{x:.3f}' for x in m[4:]))
m = np.mean([r for _, r in rows], axis=0)
print(f"{'all':22s} " + ' '.join(f'{x:.3f}' for x in m[:4]) + '  | ' + ' '.join(f'{x:.3f}' for x in m[4:]))
