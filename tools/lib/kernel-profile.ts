/**
 * Summaries of a `tf.profile` run for the benchmarks and analysis scripts: convolution work counted
 * from the kernels' shapes, and kernel time grouped by kernel name.
 */
import type * as tf from '@tensorflow/tfjs-core';

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;
/** tfjs's conv2d kernels (XNNPACK on wasm) and @dmdet/model's own 3D ones (wasm-conv3d.ts). */
const CONVOLUTIONS = new Set([
  'Conv2D',
  'FusedConv2D',
  'DmdetConv3dForward',
  'DmdetConv3dInputGrad',
  'DmdetConv3dFilterGrad',
]);

const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * FLOPs of one profiled convolution kernel, every tap counted (as the padded 'same' convolution
 * computes them): 2D, 2 × output values × kh × kw × input channels; the 3D kernels, 2 × output
 * voxels × output channels × kd × kh × kw × input channels, the same count for both gradients.
 */
function kernelFlops(k: ProfileInfo['kernels'][number]): number {
  const inputs = k.inputShapes as number[][];
  switch (k.name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const f = inputs[1] as number[];
      return 2 * product(k.outputShapes[0] as number[]) * product(f.slice(0, 3));
    }
    case 'DmdetConv3dForward': // x, w [kd, kh, kw, C, O] → y
      return 2 * product(k.outputShapes[0] as number[]) * product((inputs[1] as number[]).slice(0, 4));
    case 'DmdetConv3dInputGrad': // dy, wt [kd, kh, kw, O, C]
      return (
        2 *
        product(inputs[0] as number[]) *
        product((inputs[1] as number[]).slice(0, 3)) *
        ((inputs[1] as number[])[4] as number)
      );
    case 'DmdetConv3dFilterGrad': // x [.., C], dy → dw [kd, kh, kw, C, O]
      return 2 * product(inputs[1] as number[]) * product((k.outputShapes[0] as number[]).slice(0, 4));
    default:
      return 0;
  }
}

/** FLOPs of the profiled convolution kernels ({@link kernelFlops}). */
export function convolutionFlops(info: ProfileInfo): number {
  let flops = 0;
  for (const k of info.kernels) if (CONVOLUTIONS.has(k.name)) flops += kernelFlops(k);
  return flops;
}

/** FLOPs and milliseconds per convolution kernel name. */
export function convolutionsByKernel(info: ProfileInfo): Map<string, { ms: number; flops: number }> {
  const by = new Map<string, { ms: number; flops: number }>();
  for (const k of info.kernels) {
    if (!CONVOLUTIONS.has(k.name)) continue;
    const e = by.get(k.name) ?? { ms: 0, flops: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.flops += kernelFlops(k);
    by.set(k.name, e);
  }
  return by;
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
