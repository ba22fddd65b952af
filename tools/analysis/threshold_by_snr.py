import sys, pickle; sys.path.insert(0, __import__('os').path.dirname(__file__))
from maps_lib import *
V, E, thr0 = pickle.load(open(sys.argv[1] + '/feats.pkl', 'rb'))
def f1s(S, thrf):
    res = {}
    for s in S:
        sel = s['v'] >= thrf(s)
        res.setdefault(s['snr'], []).append(f1(s['truth'], s['c'][sel]))
    return {k: np.mean(v) for k, v in sorted(res.items())}
def fmt(r): return ' '.join(f'{k}:{v:.3f}' for k, v in r.items())
grid = np.round(np.arange(0.06, 0.95, 0.02), 3)
# curve per SNR on ext and val
for S, nm in ((V,'val'),(E,'ext')):
    rows = {t: f1s(S, lambda s, t=t: t) for t in grid}
    for snr in (1,2,4,7):
        print(nm, snr, ' '.join(f'{t:.2f}:{rows[t][snr]:.3f}' for t in grid[::3]))
# knots from val: groups by sigma quantile (4 groups)
def knots(S, k=4):
    order = sorted(S, key=lambda s: s['sig'])
    groups = np.array_split(np.arange(len(order)), k)
    ks = []
    for g in groups:
        G = [order[i] for i in g]
        best = max(grid, key=lambda t: np.mean([f1(s['truth'], s['c'][s['v'] >= t]) for s in G]))
        ks.append((float(np.median([s['sig'] for s in G])), float(best)))
    return ks
ks = knots(V)
print('knots', ks)
xs, ys = zip(*ks)
print('interp', fmt(f1s(E, lambda s: np.interp(s['sig'], xs, ys))))
# step: nearest knot
print('nearest', fmt(f1s(E, lambda s: ys[int(np.argmin(np.abs(np.array(xs) - s['sig'])))])))
