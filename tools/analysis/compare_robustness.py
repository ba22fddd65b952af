"""Compares two bench:robustness results.json files case by case: F1 of method A (in the first
file) and method B (in the second; by default the one method that is neither SEF3D nor
ptc-virus), their difference beside SEF3D's F1, then the mean F1 of each over the cases both
hold, how many cases B is better / worse in (by more than 0.0005), how many each has at or above
SEF3D, and how many at SNR >= 4 reach F1 0.95.

    /usr/bin/python3 tools/analysis/compare_robustness.py <results A> <results B> [method A] [method B]

Method A defaults to `default`. The two files may hold one method each or several.
"""
import json,sys
a=json.load(open(sys.argv[1]));b=json.load(open(sys.argv[2]))
ka=sys.argv[3] if len(sys.argv)>3 else 'default'; kb=sys.argv[4] if len(sys.argv)>4 else None
A={(r['scenario'],r['snr']):r['methods'] for r in a['rows']}
B={(r['scenario'],r['snr']):r['methods'] for r in b['rows']}
sa=[];sb=[];better=worse=0;geA=geB=0;tA=tB=0;n4=0
for k in B:
  if k not in A: continue
  mb=B[k]; kb2=kb or [m for m in mb if m not in ('sef3d','ptc-virus')][0]
  fa=A[k][ka]['f1']; fb=mb[kb2]['f1']; se=mb['sef3d']['f1']
  sa.append(fa);sb.append(fb)
  better+=fb>fa+0.0005; worse+=fb<fa-0.0005
  geA+=fa>=se-1e-9; geB+=fb>=se-1e-9
  if k[1]>=4: n4+=1; tA+=fa>=0.95; tB+=fb>=0.95
  flag='' if abs(fb-fa)<0.005 else ('+' if fb>fa else '-')
  print(f"{k[0]:18s}{k[1]:4d} {fa:.3f} {fb:.3f} {fb-fa:+.3f} sef {se:.3f} {flag}")
print(f"n {len(sa)} meanA {sum(sa)/len(sa):.4f} meanB {sum(sb)/len(sb):.4f} better {better} worse {worse} >=sef A {geA} B {geB} target A {tA}/{n4} B {tB}/{n4}")
