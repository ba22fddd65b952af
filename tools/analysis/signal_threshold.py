"""A detection threshold that follows the volume's signal, fitted and scored on the dump of
signal-threshold-dump.ts. The signal of a volume: the median, over its confident maxima (score
>= 0.8, at least 5), of the normalised input's 3x3x3 mean there. Knots at quantiles of the `fit`
volumes' signals; each knot's threshold is the one best on its bin's volumes (mean F1); between
knots linear, outside clamped; volumes without 5 confident maxima keep the model's threshold.
Prints the `eval` cases' F1 with the model's fixed threshold, with the fitted rule, and with each
volume's best threshold (oracle).

    /usr/bin/python3 tools/analysis/signal_threshold.py <dump.json> <model threshold> [knots=4]
"""
import json, sys, numpy as np
from maps_lib import matched
rows = json.load(open(sys.argv[1])); T0 = float(sys.argv[2])
grid = np.round(np.arange(0.4, 0.951, 0.05), 3)
def prep(r):
    m = np.array(r['maxima']).reshape(-1, 5); tr = np.array(r['truth']).reshape(-1, 3)
    f = [(matched(tr, m[m[:, 3] >= t, :3]).sum(), (m[:, 3] >= t).sum(), len(tr)) for t in grid]
    conf = m[m[:, 3] >= 0.8]
    s = np.median(conf[:, 4]) if len(conf) >= 5 else np.nan
    return dict(r=r, f=np.array(f, float), s=s)
P = [prep(r) for r in rows]
F1 = lambda c: 2*c[0]/max(c[1]+c[2], 1)
fit = [p for p in P if p['r']['set'] == 'fit']; ev = [p for p in P if p['r']['set'] == 'eval']
# fit: knots at quantiles of s
S = np.array([p['s'] for p in fit]); ok = np.isfinite(S)
K = int(sys.argv[3]) if len(sys.argv) > 3 else 4
qs = np.quantile(S[ok], np.linspace(0, 1, K + 1))
knots, th = [], []
for k in range(K):
    sel = [p for p in fit if np.isfinite(p['s']) and qs[k] <= p['s'] <= qs[k+1]]
    score = [np.mean([F1(p['f'][j]) for p in sel]) for j in range(len(grid))]
    knots.append(np.median([p['s'] for p in sel])); th.append(grid[int(np.argmax(score))])
print('knots', np.round(knots, 2), 'thresholds', th)
def tfor(p):
    if not np.isfinite(p['s']): return T0
    return float(np.interp(p['s'], knots, th))
j0 = int(np.argmin(abs(grid - T0)))
res = {}
for p in ev:
    t = tfor(p); jt = int(np.argmin(abs(grid - t)))
    res.setdefault((p['r']['name'], p['r']['snr']), []).append((F1(p['f'][j0]), F1(p['f'][jt]), max(F1(c) for c in p['f']), t, p['s']))
allv = []
for k, v in res.items():
    v = np.array(v); allv.append(v[:, :3].mean(0))
    print(f"{k[0]:18s}{k[1]} fixed {v[:,0].mean():.3f} adaptive {v[:,1].mean():.3f} oracle {v[:,2].mean():.3f}  t {np.round(v[:,3],2)} s {np.round(v[:,4],1)}")
a = np.array(allv); print('mean', a.mean(0))
snr = np.array([k[1] for k in res]); print('>=0.95 at snr>=4: fixed', (a[snr>=4,0]>=0.95).sum(), 'adaptive', (a[snr>=4,1]>=0.95).sum(), 'of', (snr>=4).sum())
