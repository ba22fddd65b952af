import sys; sys.path.insert(0, __import__('os').path.dirname(__file__))
from maps_lib import *
d = sys.argv[1]
inputs = len(sys.argv) > 2
mv, Mv, Iv = load(d, 'val', inputs); me, Me, Ie = load(d, 'ext', inputs)
V = feats(mv, Mv, Iv); E = feats(me, Me, Ie)
thr0 = mv['threshold']
def score(S, key, thr):
    res = {}
    for s in S:
        sel = s[key] >= thr(s) if callable(thr) else s[key] >= thr
        res.setdefault(s['snr'], []).append(f1(s['truth'], s['c'][sel]))
    return {k: np.mean(v) for k, v in sorted(res.items())}
def fmt(r): return ' '.join(f'{k}:{v:.3f}' for k, v in r.items())
print('stored thr', thr0, 'ext', fmt(score(E, 'v', thr0)))
grid = np.round(np.arange(0.2, 0.95, 0.01), 3)
def best_per_snr(S):
    """{snr: (best mean F1, its threshold)} over the grid."""
    best = {}
    for t in grid:
        for k, v in score(S, 'v', t).items():
            if v > best.get(k, (0,))[0]: best[k] = (v, t)
    return {k: (round(v[0], 3), v[1]) for k, v in best.items()}
print('oracle per-SNR on ext', best_per_snr(E))
print('per-SNR best on val', best_per_snr(V))
import pickle; pickle.dump((V, E, thr0), open(f'{d}/feats.pkl', 'wb'))
