import json, sys, numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

def load(d, name, inputs=False):
    meta = json.load(open(f'{d}/{name}-meta.json'))
    maps = np.fromfile(f'{d}/{name}-maps.f32', dtype=np.float32)
    shp = meta['items'][0]['shape']; n = int(np.prod(shp))
    maps = maps.reshape(-1, *shp)
    inp = np.fromfile(f'{d}/{name}-inputs.f32', dtype=np.float32).reshape(-1, *shp) if inputs else None
    return meta, maps, inp

def maxima(m, thr=0.05):
    mf = ndi.maximum_filter(m, size=(3, 5, 5), mode='nearest')
    pk = (m == mf) & (m >= thr)
    lab, n = ndi.label(pk, structure=np.ones((3,3,3)))
    if n == 0: return np.zeros((0,3)), np.zeros(0)
    c = np.array(ndi.center_of_mass(pk, lab, range(1, n+1)))
    v = np.array(ndi.maximum(m, lab, range(1, n+1)))
    return c, v

def matched(truth, det, gate=5.0):
    """boolean per detection: matched in optimal assignment"""
    ok = np.zeros(len(det), bool)
    if len(truth) == 0 or len(det) == 0: return ok
    D = cdist(truth, det); C = np.where(D <= gate, D, 1e6)
    r, c = linear_sum_assignment(C)
    good = C[r, c] <= gate
    ok[c[good]] = True
    return ok

def f1(truth, det, gate=5.0):
    if len(truth) == 0 and len(det) == 0: return 1.0
    tp = matched(truth, det, gate).sum()
    return 2*tp / (len(truth) + len(det)) if (len(truth)+len(det)) else 1.0

def feats(meta, maps, inp):
    out = []
    for k, it in enumerate(meta['items']):
        m = maps[k]; c, v = maxima(m)
        idx = np.round(c).astype(int)
        box = ndi.uniform_filter(m, size=3, mode='nearest') * 27
        mass = box[tuple(idx.T)] if len(idx) else np.zeros(0)
        truth = np.array([[p['z'], p['y'], p['x']] for p in it['points']]).reshape(-1, 3)
        sig = None
        if inp is not None:
            x = inp[k]; med = np.median(x); sig = 1.4826*np.median(np.abs(x-med))
        out.append(dict(snr=it['snr'], dens=it['density'], truth=truth, c=c, v=v, mass=mass, sig=sig))
    return out
