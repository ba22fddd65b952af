"""Checks the threshold rule's crowded branch out of sample, offline: fits it as fitThresholdRule
does (signal cut at the 0.05-0.30 quantiles of the signals, density cut at each faint volume's own
density of maxima >= 0.3 per million voxels, threshold of largest summed F1 gain over the model's
own rule, at least 6 volumes, 0.05 grid) on one dump of tools/analysis/rule-features.ts and scores
it on the other, both ways. Dumps: the rule's fit volumes (`rule-features.ts
bench-output/rule-features-5000.json 144 5000`) and independent ones (`rule-features.ts
bench-output/rule-features-9000.json`), both made with a model whose rule has no crowded branch.

    /usr/bin/python3 tools/analysis/crowded_branch.py bench-output/rule-features-5000.json bench-output/rule-features-9000.json
"""

import json
import sys

import numpy as np
def f1(c):
    _, tp, fp, fn = c; d = 2*tp+fp+fn; return 2*tp/d if d else 1.0
def at(r, t):
    kept = [c for c in r['curve'] if c[0] <= t + 1e-9]; return kept[-1] if kept else r['curve'][0]
def load(p):
    rows = [r for r in json.load(open(p))['rows'] if r['signal'] is not None]
    for r in rows:
        vox = r['confident'] / r['density'] * 1e6
        c = at(r, 0.3); r['d03'] = (c[1] + c[2]) / vox * 1e6
    return rows
CAND = [round(0.05*i, 2) for i in range(1, 20)]
def fit(rows, minimg=6, qs=(0.05, 0.1, 0.15, 0.2, 0.25, 0.3)):
    sig = sorted(r['signal'] for r in rows)
    base = {r['id']: f1(at(r, r['ruleThreshold'])) for r in rows}
    best = (0, None)
    for q in qs:
        S = float(np.quantile(sig, q))
        low = [r for r in rows if r['signal'] < S]
        for D in sorted(set(r['d03'] for r in low)):
            br = [r for r in low if r['d03'] >= D]
            if len(br) < minimg: continue
            for T in CAND:
                gain = sum(f1(at(r, T)) - base[r['id']] for r in br)
                if gain > best[0] + 1e-12: best = (gain, (S, D, T, len(br)))
    return best
def apply(rows, p):
    if p is None: return np.mean([f1(at(r, r['ruleThreshold'])) for r in rows])
    S, D, T, _ = p
    return np.mean([f1(at(r, T if (r['signal'] < S and r['d03'] >= D) else r['ruleThreshold'])) for r in rows])
a, b = load(sys.argv[1]), load(sys.argv[2])
for name, tr, te in [('fit on the first, scored on the second', a, b), ('fit on the second, scored on the first', b, a)]:
    g, p = fit(tr)
    print(name, 'params', p, 'train gain/img', round(g/len(tr), 4), 'test', round(apply(te, None), 4), '->', round(apply(te, p), 4))
    faint = [r for r in te if r['signal'] < 0.2]
    print('   test faint (<0.2)', len(faint), round(apply(faint, None), 3), '->', round(apply(faint, p), 3))
