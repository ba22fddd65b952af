/**
 * The best F1 a detector can reach on the robustness benchmark's test volumes when it cannot tell
 * apart spots closer than `d` PSF σ (distance √((Δz/σz)² + (Δy/σxy)² + (Δx/σxy)²), σ the scenario's
 * PSF core): the spots it finds are at best a set pairwise at least `d` apart, of at most M spots (M
 * the largest such set: a maximum independent set of the graph joining spots closer than `d`,
 * exact per connected component), so its F1 is at most 2M / (N + M) for N spots. Two equal
 * Gaussians of σ show no dip between them below d = 2, so a detector that takes local maxima of a
 * smoothed volume (SEF3D's LoG, or a density map of the PSF's width) merges them there; the
 * network could in principle do better, and the bound says how much better it would have to be.
 * No model runs: only the simulator, on the benchmark's own test seeds and SNRs.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/resolution-bound.ts [scenarios] [snrs] [replicates]
 *
 * Defaults: every scenario, SNR 7, 3 volumes per case (the benchmark's test volumes); 20 s. The spots'
 * positions do not depend on the SNR (the same bounds at SNR 4, 7 and 20).
 */
import { simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';

const names = (process.argv[2] ?? ROBUSTNESS_SCENARIOS.map((s) => s.name).join(',')).split(',');
const snrs = (process.argv[3] ?? '7').split(',').map(Number);
const replicates = Number(process.argv[4] ?? 3);
const DISTANCES = [1, 1.5, 2, 2.5, 3];

type P = { x: number; y: number; z: number };

/** The size of a maximum independent set of `nodes` in `adj` (exact branching: a vertex of highest degree is left out, or taken with its neighbours removed). */
function maxIndependent(nodes: Set<number>, adj: Set<number>[]): number {
  let best = -1;
  let pick = -1;
  for (const v of nodes) {
    let deg = 0;
    for (const u of adj[v] as Set<number>) if (nodes.has(u)) deg++;
    if (deg > best) [best, pick] = [deg, v];
  }
  if (best <= 0) return nodes.size;
  const without = new Set(nodes);
  without.delete(pick);
  const taken = new Set(without);
  for (const u of adj[pick] as Set<number>) taken.delete(u);
  return Math.max(maxIndependent(without, adj), 1 + maxIndependent(taken, adj));
}

/** The most points pairwise at least `d` apart (in σ units): per connected component of the "closer than d" graph, its maximum independent set. */
function resolvableCount(points: P[], sxy: number, sz: number, d: number): number {
  const adj = points.map(() => new Set<number>());
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as P;
      const b = points[j] as P;
      const r2 = ((a.z - b.z) / sz) ** 2 + ((a.y - b.y) / sxy) ** 2 + ((a.x - b.x) / sxy) ** 2;
      if (r2 < d * d) {
        (adj[i] as Set<number>).add(j);
        (adj[j] as Set<number>).add(i);
      }
    }
  const seen = new Uint8Array(points.length);
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    if (seen[i]) continue;
    const component = new Set<number>([i]);
    const stack = [i];
    seen[i] = 1;
    while (stack.length > 0) {
      const v = stack.pop() as number;
      for (const u of adj[v] as Set<number>)
        if (!seen[u]) {
          seen[u] = 1;
          component.add(u);
          stack.push(u);
        }
    }
    if (component.size > 40)
      throw new Error(`a component of ${component.size} spots at d ${d}: too large to solve exactly`);
    total += maxIndependent(component, adj);
  }
  return total;
}

console.log(`best F1 when spots closer than d σ merge (mean over ${replicates} test volumes per case)`);
console.log(`scenario          | SNR | spots | ${DISTANCES.map((d) => `d ${d}`.padEnd(6)).join(' | ')}`);
for (const name of names) {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  for (const snr of snrs) {
    const params = robustnessParams(scenario, snr);
    const bounds = DISTANCES.map(() => 0);
    let spots = 0;
    for (const seed of robustnessSeeds(replicates)) {
      const sim = simulateGeneral(params, seed);
      const n = sim.points.length;
      spots += n / replicates;
      DISTANCES.forEach((d, k) => {
        const g = resolvableCount(sim.points, params.psf.sigmaXY, params.psf.sigmaZ, d);
        bounds[k] = (bounds[k] as number) + (n + g > 0 ? (2 * g) / (n + g) : 1) / replicates;
      });
    }
    console.log(
      `${name.padEnd(17)} | ${String(snr).padEnd(3)} | ${spots.toFixed(0).padStart(5)} | ${bounds.map((b) => b.toFixed(3).padEnd(6)).join(' | ')}`,
    );
  }
}
