"""Scores decoy-calibrated threshold rules offline from the dump of decoy-maps.ts.

    /usr/bin/python3 tools/analysis/decoy_threshold.py <dump.json> [more dumps] [--cases] [--counts] [--scales] [--raised [--against=<dump>]]

Per volume: N(t) real maxima scoring >= t, D(t) decoy maxima scoring >= t (the volume's clutter
alone). Estimated false positives c*D(t), true positives N(t) - c*D(t), spots P = the largest
estimated true-positive count; estimated F1(t) = 2 TP(t) / (N(t) + P). A rule's F1 on a volume is
measured from the real maxima's match to the truth (a maximum matched at the dump's floor counts
as a true positive at every threshold it passes). Rules: `up qQ kK` (decoyThreshold from the rule's
threshold: fdr Q, minDecoys K), `guarded` (a raise keeping under a tenth of the maxima dropped, as
detect does), `c>=1` (only where the rule's clutter is at least 1: the term's fromClutter) and
`signal` (only where the rule measured the signal: at least 5 maxima scoring >= 0.8). The last line
counts the volumes where each gate lets the decoy run. `--raised [--against=<dump>]` lists the
volumes the term as built in raises by 0.2 or more (where detect warns), and with a dump of the
same volumes by another model, that model's F1 under its own term beside. `--scales` adds the term with the decoy's
counts multiplied by 1.5–5 (`x<c>`), as if it under-counted the volume's clutter that many times,
and by each volume's own ratio of real to decoy maxima scoring in a low band (`cal<lo>-<hi>`, 1–5).
"""
import json, sys
from collections import defaultdict
import numpy as np

items = [it for f in sys.argv[1:] if f.endswith('.json') and not f.startswith('--') for it in json.load(open(f))]
GRID = np.round(np.arange(0.10, 0.96, 0.01), 2)


def f1_at(it, t):
    r = it['real']
    n = sum(1 for s, _ in r if s >= t)
    tp = sum(1 for s, h in r if s >= t and h)
    d = it['truth'] + n
    return 2 * tp / d if d else 1.0


def estimated(it, c=1.0):
    rs = np.array([s for s, _ in it['real']]); ds = np.array(it['decoy'])
    N = np.array([(rs >= t).sum() for t in GRID]); D = np.array([(ds >= t).sum() for t in GRID])
    tp = N - c * D
    P = max(tp.max(), 1)
    f = 2 * np.clip(tp, 0, None) / np.maximum(N + P, 1)
    return N, D, f


def decoy_best(it, c=1.0, lo=0.1):
    N, D, f = estimated(it, c)
    ok = GRID >= lo
    k = np.argmax(np.where(ok, f, -1))
    return float(GRID[k])


def fdr_threshold(it, q, c=1.0):
    N, D, _ = estimated(it, c)
    for t, n, d in zip(GRID, N, D):
        if n > 0 and c * d / n <= q: return float(t)
    return float(GRID[-1])


def fdr_min(it, q, k, c=1.0):
    """Lowest t where the decoys above t are fewer than k or at most q of the real maxima above t."""
    N, D, _ = estimated(it, c)
    for t, n, d in zip(GRID, N, D):
        if c * d < k or (n > 0 and c * d / n <= q): return float(t)
    return float(GRID[-1])


def local_fdr(it, q, w=0.1, k=3, c=1.0):
    """Lowest t where the window [t, t + w) holds at most q decoys per real maximum (or fewer than k decoys above t)."""
    N, D, _ = estimated(it, c)
    n = len(GRID); step = int(round(w / 0.01))
    for i in range(n):
        if c * D[i] < k: return float(GRID[i])
        j = min(n - 1, i + step)
        dn = N[i] - N[j]; dd = D[i] - D[j]
        if dn > 0 and c * dd / dn <= q: return float(GRID[i])
    return float(GRID[-1])


def fdr_up(it, q, k, c=1.0, cap=0.95):
    """From the rule's threshold up: the first t where fewer than k decoys (times c) lie above t or they are at most q of the real maxima above t."""
    rs = np.array([s for s, _ in it['real']]); ds = np.array(it['decoy'])
    t = it['threshold']
    while t < cap:
        n = (rs >= t).sum(); d = c * (ds >= t).sum()
        if d < k or (n > 0 and d / n <= q): return t
        t = round(t + 0.01, 4)
    return cap


def clutter(it, score=0.5, confidence=0.8):
    """The rule's clutter: maxima scoring in [score, confidence) per maximum scoring >= confidence (maximaClutter)."""
    r = np.array([s for s, _ in it['real']])
    return ((r >= score) & (r < confidence)).sum() / max(1, (r >= confidence).sum())


def measured(it, confidence=0.8, min_spots=5):
    """Whether the rule measured the volume's signal: at least min_spots maxima scoring >= confidence."""
    return sum(1 for s, _ in it['real'] if s >= confidence) >= min_spots


def term(it, q, k, from_clutter=None, guard=0.1, signal=False, c=1.0):
    """decoyThreshold as detect applies it: only where the clutter reaches from_clutter (and, with
    `signal`, where the rule measured the signal), a raise keeping under `guard` of the maxima at the
    rule's threshold dropped (clutterRaiseHolds); `c` scales the decoy's counts (1 in detect)."""
    t0 = it['threshold']
    if from_clutter is not None and clutter(it) < from_clutter: return t0
    if signal and not measured(it): return t0
    t = fdr_up(it, q, k, c)
    r = np.array([s for s, _ in it['real']])
    n0 = (r >= t0).sum()
    if t > t0 and n0 > 0 and (r >= t).sum() < guard * n0: return t0
    return t


def band_ratio(it, lo, hi, cmax=5.0):
    """The volume's real maxima over its decoy's maxima scoring in [lo, hi), clipped to [1, cmax]."""
    r = np.array([s for s, _ in it['real']]); d = np.array(it['decoy'])
    nr = ((r >= lo) & (r < hi)).sum(); nd = ((d >= lo) & (d < hi)).sum()
    return float(np.clip(nr / max(nd, 1), 1, cmax))


def oracle(it):
    return max(GRID, key=lambda t: f1_at(it, t))


rules = {
    'rule': lambda it: it['threshold'],
    'oracle': oracle,
}
for q in (0.05, 0.1, 0.2, 0.3):
    for k in (2, 3, 5):
        rules[f'up q{q} k{k}'] = (lambda q, k: lambda it: fdr_up(it, q, k))(q, k)
        rules[f'q{q} k{k} guarded'] = (lambda q, k: lambda it: term(it, q, k))(q, k)
        rules[f'q{q} k{k} guarded c>=1'] = (lambda q, k: lambda it: term(it, q, k, 1))(q, k)
        rules[f'q{q} k{k} c>=1 signal'] = (lambda q, k: lambda it: term(it, q, k, 1, signal=True))(q, k)
if '--scales' in sys.argv:
    # The decoy's counts times c, as if the decoy under-counted the volume's clutter c-fold.
    for c in (1.5, 2, 3, 5):
        for q in (0.1, 0.2):
            rules[f'q{q} k3 signal x{c}'] = (lambda q, c: lambda it: term(it, q, 3, 1, signal=True, c=c))(q, c)
    # Per volume: c = real maxima / decoy maxima in a band of low scores (where spots seldom score), 1 to 5.
    for lo, hi in ((0.2, 0.4), (0.3, 0.5)):
        for q in (0.1, 0.2):
            rules[f'q{q} k3 signal cal{lo}-{hi}'] = (lambda q, lo, hi: lambda it: term(
                it, q, 3, 1, signal=True, c=band_ratio(it, lo, hi)))(q, lo, hi)


def case(it):
    g = it['id'].rsplit('-', 1)[0]
    return f"{it['group']}:{g}"


groups = defaultdict(list)
for it in items: groups[case(it)].append(it)
names = list(rules)
scores = {n: {} for n in names}
for g, its in groups.items():
    for n in names:
        scores[n][g] = np.mean([f1_at(it, rules[n](it)) for it in its])
if '--cases' in sys.argv:
    print(f"{'case':28s} {'actual':>7s} " + ' '.join(f'{n[:14]:>14s}' for n in names))
    for g, its in groups.items():
        act = np.mean([it['f1'] for it in its])
        print(f'{g:28s} {act:7.3f} ' + ' '.join(f'{scores[n][g]:14.3f}' for n in names))
grps = sorted({it['group'] for it in items})
print(f"{'rule':24s} {'all':>7s} " + ' '.join(f'{g:>7s}' for g in grps) + '  better worse worst')
base = rules['rule']
for n in names:
    d = [f1_at(it, rules[n](it)) - f1_at(it, base(it)) for it in items]
    per = [np.mean([f1_at(it, rules[n](it)) for it in items if it['group'] == g]) for g in grps]
    print(f"{n:24s} {np.mean([f1_at(it, rules[n](it)) for it in items]):7.4f} " + ' '.join(f'{x:7.4f}' for x in per)
          + f'  {sum(x > 0.001 for x in d):4d} {sum(x < -0.001 for x in d):4d} {min(d):+.3f}')

if '--raised' in sys.argv:
    # The volumes whose decoy term (as built in) raises the threshold by 0.2 or more, where detect
    # warns; with --against=<dump of the same volumes by another model>, that model's F1 under its term.
    against = next((a.split('=', 1)[1] for a in sys.argv if a.startswith('--against=')), None)
    other = {(it['group'], it['id']): it for it in json.load(open(against))} if against else {}
    built_in = lambda it: term(it, 0.1, 3, 1, signal=True)
    raised = [it for it in items if built_in(it) - it['threshold'] >= 0.2 - 1e-9]
    for it in raised:
        o = other.get((it['group'], it['id']))
        print(f"{it['group']}:{it['id']:24s} raise {built_in(it) - it['threshold']:.2f}: F1 "
              f"{f1_at(it, it['threshold']):.3f} -> {f1_at(it, built_in(it)):.3f}"
              + (f"; the other model {f1_at(o, built_in(o)):.3f}" if o else ''))
    mean = lambda xs: float(np.mean(xs)) if xs else float('nan')
    print(f"raised by 0.2 or more: {len(raised)} of {len(items)}; mean F1 after {mean([f1_at(it, built_in(it)) for it in raised]):.3f}")
    if other:
        pairs = [(it, other[(it['group'], it['id'])]) for it in items if (it['group'], it['id']) in other]
        mine = lambda ps: mean([f1_at(a, built_in(a)) for a, _ in ps])
        theirs = lambda ps: mean([f1_at(b, built_in(b)) for _, b in ps])
        hit = [(a, b) for a, b in pairs if a in raised]
        print(f"the other model on those: {theirs(hit):.3f} against {mine(hit):.3f}; "
              f"on all {len(pairs)} volumes of both dumps: {theirs(pairs):.3f} against {mine(pairs):.3f}")

if '--counts' in sys.argv:
    # Per volume: false positives (real maxima matched to no spot) and decoy maxima scoring at least
    # 0.4 / 0.6, and in bands of score.
    for it in items:
        r = np.array(it['real']).reshape(-1, 2); d = np.array(it['decoy'])
        fp = r[r[:, 1] == 0, 0]
        print(f"{it['group']}:{it['id']:24s} " + ' '.join(
            f"at {t}: {int((fp >= t).sum())} false positives, {int((d >= t).sum())} decoys;" for t in (0.4, 0.6))
              + ' by score band, false / decoy maxima: ' + ', '.join(
            f"{lo}-{hi} {int(((fp >= lo) & (fp < hi)).sum())} / {int(((d >= lo) & (d < hi)).sum())}"
            for lo, hi in ((0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01))))

runs = {
    'c>=1': sum(clutter(it) >= 1 for it in items),
    'c>=1 signal': sum(clutter(it) >= 1 and measured(it) for it in items),
}
print('decoy runs: ' + ', '.join(f'{k} {v} of {len(items)}' for k, v in runs.items()))
