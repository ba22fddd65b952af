import {
  engine,
  getBackend,
  getKernel,
  type KernelFunc,
  registerKernel,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { FILTER_GRAD_WASM } from './filter-grad-wasm';

/** The name of the kernel registered for the wasm backend (a new name: no tfjs kernel is replaced). */
const KERNEL = 'DmdetConv3dFilterGrad';

/** The geometry of one filter gradient: sizes, strides and the 'same' padding before each axis. */
export interface FilterGradGeometry {
  /** Input `[B, D, H, W, C]`. */
  input: [number, number, number, number, number];
  /** Kernel `[kd, kh, kw, C, O]`. */
  kernel: [number, number, number, number, number];
  /** In-plane strides `[sy, sx]` (the z stride is 1). */
  strides: [number, number];
  /** Padding before the first voxel along z, y and x. */
  before: [number, number, number];
  /** Output size in-plane `[Ho, Wo]`. */
  out: [number, number];
}

/** What the kernel uses of tfjs-backend-wasm's backend object (4.22; the package itself is not imported). */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  wasm: { asm?: { memory?: unknown } };
}

type FilterGradFn = (x: number, dy: number, dw: number, ...dims: number[]) => void;

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, FilterGradFn | null>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The module's `filter_grad`, instantiated on `memory` (the backend's heap), or null where it cannot
 * be: no WebAssembly SIMD, or a shared memory (tfjs-wasm's threaded build), which the module does not
 * declare. Compiled once (3.3 kB, under browsers' limit for synchronous compilation).
 */
function instanceOn(memory: WebAssembly.Memory): FilterGradFn | null {
  const known = instances.get(memory);
  if (known !== undefined) return known;
  let fn: FilterGradFn | null = null;
  try {
    if (compiled === undefined) compiled = new WebAssembly.Module(decode(FILTER_GRAD_WASM));
    if (compiled) {
      const instance = new WebAssembly.Instance(compiled, { env: { memory } });
      fn = instance.exports['filter_grad'] as FilterGradFn;
    }
  } catch {
    if (compiled === undefined) compiled = null;
    fn = null;
  }
  instances.set(memory, fn);
  return fn;
}

const filterGradWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const g = attrs as unknown as FilterGradGeometry;
  const b = backend as unknown as WasmBackendLike;
  const fn = instanceOn(b.wasm.asm?.memory as WebAssembly.Memory) as FilterGradFn;
  const [B, D, H, W, C] = g.input;
  const [kd, kh, kw, , O] = g.kernel;
  const out = b.makeOutput([kd, kh, kw, C, O], 'float32');
  const offset = (t: TensorInfo) => b.dataIdMap.get(t.dataId)?.memoryOffset as number;
  fn(
    offset(x),
    offset(dy),
    offset(out),
    D,
    B,
    H,
    W,
    C,
    g.out[0],
    g.out[1],
    O,
    kd,
    kh,
    kw,
    ...g.strides,
    ...g.before,
  );
  return out;
};

function wasmKernelReady(): boolean {
  if (getKernel(KERNEL, 'wasm')) return true;
  const b = engine().backend as unknown as Partial<WasmBackendLike>;
  const memory = b.wasm?.asm?.memory;
  if (typeof b.makeOutput !== 'function' || !b.dataIdMap || !(memory instanceof WebAssembly.Memory))
    return false;
  if (!instanceOn(memory)) return false;
  registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: filterGradWasm });
  return true;
}

/**
 * Whether {@link wasmFilterGrad} can run now: the active backend is wasm (single-threaded build) and
 * WebAssembly SIMD is available. Registers the kernel on first use.
 */
export function wasmFilterGradAvailable(): boolean {
  if (getBackend() !== 'wasm') return false;
  if (!getKernel(KERNEL, 'wasm') && !wasmKernelReady()) return false;
  // A backend made after the kernel was registered (a new wasm instance) has a memory of its own.
  const memory = (engine().backend as unknown as Partial<WasmBackendLike>).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory && instanceOn(memory) !== null;
}

/**
 * The filter gradient of a 3D convolution with 'same' padding (`[kd, kh, kw, C, O]`), from its input
 * `x` (`[B, D, H, W, C]`) and output gradient `dy` (`[B, D, Ho, Wo, O]`), as one streaming reduction
 * over the output voxels in a WebAssembly SIMD module of this package that works in the wasm
 * backend's heap: no copies, no transposes, no padding, and none of XNNPACK's re-packing of a new
 * "filter" on every call. Only on wasm; check {@link wasmFilterGradAvailable} first.
 */
export function wasmFilterGrad(x: Tensor, dy: Tensor, geometry: FilterGradGeometry): Tensor {
  const [B, D, H, W, C] = geometry.input;
  const [, , , kc, O] = geometry.kernel;
  const [Ho, Wo] = geometry.out;
  if (x.size !== B * D * H * W * C || kc !== C || dy.size !== B * D * Ho * Wo * O)
    throw new RangeError(
      `wasmFilterGrad: x [${x.shape}] and dy [${dy.shape}] do not match the geometry ${JSON.stringify(geometry)}`,
    );
  if (x.dtype !== 'float32' || dy.dtype !== 'float32')
    throw new TypeError('wasmFilterGrad: float32 tensors only');
  return engine().runKernel(KERNEL, { x, dy }, geometry as never) as Tensor;
}
