import {
  engine,
  getBackend,
  getKernel,
  type KernelFunc,
  registerKernel,
  reshape,
  slice,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/** The name of the kernel {@link flatRange} registers for the wasm backend (a new name: no tfjs kernel is replaced). */
const KERNEL = 'DmdetFlatRange';

/** What the kernel uses of tfjs-backend-wasm's backend object (4.22; the package itself is not imported). */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

const flatRangeWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs['x'] as TensorInfo;
  const { start, size } = attrs as unknown as { start: number; size: number };
  const b = backend as unknown as WasmBackendLike;
  const src = (b.dataIdMap.get(x.dataId)?.memoryOffset as number) + start * 4;
  const out = b.makeOutput([size], 'float32');
  const dst = b.dataIdMap.get(out.dataId)?.memoryOffset as number;
  // Read HEAPU8 after makeOutput: a malloc that grows the memory replaces the view.
  b.wasm.HEAPU8.copyWithin(dst, src, src + size * 4);
  return out;
};

function wasmKernelReady(): boolean {
  if (getKernel(KERNEL, 'wasm')) return true;
  const b = engine().backend as unknown as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || !b.dataIdMap || !b.wasm?.HEAPU8) return false;
  registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: flatRangeWasm });
  return true;
}

/**
 * Elements `[start, start + size)` of `x`'s flat (row-major) data, as a rank-1 tensor: a contiguous
 * slice. On wasm one memmove inside the backend's heap (tfjs 4.22's wasm Slice first copies the
 * whole input out of the heap, which made slicing 3–5× slower than copying); elsewhere `tf.slice`.
 * No gradient: for use inside custom gradients' forward and backward functions.
 */
export function flatRange(x: Tensor, start: number, size: number): Tensor {
  if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 0 || start + size > x.size)
    throw new RangeError(`flatRange: [${start}, ${start + size}) is outside a tensor of ${x.size} elements`);
  if (getBackend() === 'wasm' && x.dtype === 'float32' && size > 0 && wasmKernelReady())
    return engine().runKernel(KERNEL, { x }, { start, size } as never) as Tensor;
  return slice(reshape(x, [-1]), [start], [size]);
}
