"""Scores bright-pass rules offline on the dump of tools/analysis/bright-pass.ts: the first pass alone,
the first pass plus the second pass's detections farther than `sep` voxels from every first-pass
one (kept above the second pass's own rule threshold, `rule2`, or the first's), or the second pass
alone; per SNR, per case, and swept over the typical spot peak (`fromPeak`) from which it runs.
Matching: Hungarian assignment within 5 voxels (as `evaluatePoints`' gate 5).

    /usr/bin/python3 tools/analysis/bright_pass.py bench-output/bright-pass.json
"""
import json, sys
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

rows = json.load(open(sys.argv[1]))

def f1(truth, det):
    t = np.array(truth, float).reshape(-1, 3); d = np.array(det, float).reshape(-1, 3)
    if len(t) == 0 or len(d) == 0:
        return 0.0 if len(t) + len(d) else 1.0
    D = cdist(t, d)
    C = np.where(D <= 5, D, 1e6)
    r, c = linear_sum_assignment(C)
    tp = int(np.sum(C[r, c] < 1e6))
    return 2 * tp / (len(t) + len(d))

def union(row, sep, minscore, mode):
    first = [p[:3] for p in row['first']]
    t2 = row['rule2'] if mode == 'rule2' else (row['threshold'] if mode == 'first' else float(mode))
    t2 = max(t2, minscore)
    sec = [p for p in row['second'] if p[3] >= t2]
    if not first:
        return first + [p[:3] for p in sec]
    F = np.array(first)
    extra = [p[:3] for p in sec if np.min(np.linalg.norm(F - np.array(p[:3]), axis=1)) > sep]
    return first + extra

rules = [('first', None)] + [(f'union sep{s} {m}', (s, 0, m)) for s in (2, 3, 4) for m in ('rule2', 'first')] + [('second alone', 'alone')]
def score(r, rule):
    if rule is None: return f1(r['truth'], [p[:3] for p in r['first']])
    if rule == 'alone': return f1(r['truth'], [p[:3] for p in r['second'] if p[3] >= r['rule2']])
    return f1(r['truth'], union(r, *rule))
for r in rows:
    r['scores'] = {name: score(r, rule) for name, rule in rules}
names = [n for n, _ in rules]
print('per SNR mean:')
for snr in sorted({r['snr'] for r in rows}):
    sub = [r for r in rows if r['snr'] == snr]
    print(snr, len(sub), ' '.join(f"{n}={np.mean([r['scores'][n] for r in sub]):.4f}" for n in names))
print('\nper case: first / union sep3 rule2 / union sep3 first / second alone, and each volume\'s typical spot peak:')
cases = sorted({(r['scenario'], r['snr']) for r in rows})
for sc, snr in cases:
    sub = [r for r in rows if r['scenario'] == sc and r['snr'] == snr]
    m = lambda n: np.mean([r['scores'][n] for r in sub])
    print(f"{sc:18s} {snr:4d} {m('first'):.3f} {m('union sep3 rule2'):.3f} {m('union sep3 first'):.3f} {m('second alone'):.3f}  peak {' '.join('%.1f' % (r['spotPeak'] or 0) for r in sub)}")
print('\nfromPeak sweep (union sep3 rule2 where spotPeak >= p): mean, rows gaining / losing, worst loss, per SNR means')
for n in ('union sep2 rule2', 'union sep3 rule2', 'union sep4 rule2', 'union sep3 first', 'second alone'):
  print(n)
  for p in (0, 30, 40, 50, 60, 80, 100, 120, 150, 200, 300, 500, 1e9):
    d = [(r['scores'][n] - r['scores']['first']) if (r['spotPeak'] or 0) >= p else 0 for r in rows]
    v = np.mean([r['scores']['first'] for r in rows]) + np.mean(d)
    per = ' '.join(f"{snr}:{np.mean([dd for dd, r in zip(d, rows) if r['snr']==snr]):+.4f}" for snr in sorted({r['snr'] for r in rows}))
    print(f"  p={p:g}: {v:.4f} gain {sum(x>1e-9 for x in d)} lose {sum(x<-1e-9 for x in d)} worst {min(d):+.3f}  {per}  runs {sum((r['spotPeak'] or 0)>=p for r in rows)}")
print('\nrows losing with union sep3 rule2 at peak >= 30:')
for r in rows:
    d = r['scores']['union sep3 rule2'] - r['scores']['first']
    if (r['spotPeak'] or 0) >= 30 and d < -1e-9:
        print(f"  {r['scenario']} {r['snr']} seed {r['seed']} peak {r['spotPeak']:.0f} {d:+.4f}")
