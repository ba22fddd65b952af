/**
 * Summaries of a `tf.profile` run for the benchmarks and analysis scripts: convolution work counted
 * from the kernels' shapes, and kernel time grouped by kernel name.
 */
import type * as tf from '@tensorflow/tfjs-core';

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;
const CONVOLUTIONS = new Set(['Conv2D', 'FusedConv2D']);

/** FLOPs of the profiled Conv2D / FusedConv2D kernels: 2 × output values × kh × kw × input channels. */
export function convolutionFlops(info: ProfileInfo): number {
  let flops = 0;
  for (const k of info.kernels) {
    if (!CONVOLUTIONS.has(k.name)) continue;
    const f = k.inputShapes[1] as number[];
    const out = (k.outputShapes[0] as number[]).reduce((a, b) => a * b, 1);
    flops += 2 * out * (f[0] as number) * (f[1] as number) * (f[2] as number);
  }
  return flops;
}

/** Time and calls per kernel name (op scopes, which contain kernels already counted, left out). */
export function kernelTimes(info: ProfileInfo): Map<string, { ms: number; n: number }> {
  const by = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    if (k.name === 'unnamed scope' || k.name.endsWith('__op')) continue;
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.n++;
    by.set(k.name, e);
  }
  return by;
}

/** Milliseconds spent in the convolution kernels of {@link kernelTimes}' result. */
export function convolutionMs(by: Map<string, { ms: number }>): number {
  return [...CONVOLUTIONS].reduce((s, k) => s + (by.get(k)?.ms ?? 0), 0);
}

/** Prints the `limit` slowest kernels: name, calls, ms and share of all kernel time. */
export function printKernelTable(by: Map<string, { ms: number; n: number }>, limit = Infinity): void {
  const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
  for (const [name, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, limit))
    console.log(
      `${name.padEnd(22)} ${e.n.toString().padStart(4)} ${e.ms.toFixed(0).padStart(7)} ms ${((100 * e.ms) / total).toFixed(1)} %`,
    );
}
