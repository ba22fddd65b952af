import sys; sys.path.insert(0, __import__('os').path.dirname(__file__))
import maps_lib as feat
from maps_lib import *
d = sys.argv[1]; thr = float(sys.argv[2])
me, Me, _ = load(d, 'ext')
for size in [(3,5,5), (3,3,3)]:
    def maxima(m, t=0.05, size=size):
        mf = ndi.maximum_filter(m, size=size, mode='nearest')
        pk = (m == mf) & (m >= t)
        lab, n = ndi.label(pk, structure=np.ones((3,3,3)))
        if n == 0: return np.zeros((0,3)), np.zeros(0)
        return np.array(ndi.center_of_mass(pk, lab, range(1, n+1))), np.array(ndi.maximum(m, lab, range(1, n+1)))
    feat.maxima = maxima
    E = feats(me, Me, None)
    res = {}
    for s in E:
        sel = s['c'][s['v'] >= thr]; tp = matched(s['truth'], sel).sum()
        res.setdefault(s['snr'], []).append((f1(s['truth'], sel), tp / max(len(sel), 1), tp / max(len(s['truth']), 1)))
    print(size, ' '.join(f'{k}: F1 {np.mean([r[0] for r in v]):.4f} P {np.mean([r[1] for r in v]):.3f} R {np.mean([r[2] for r in v]):.3f}' for k, v in sorted(res.items())))
