import {
  engine,
  getBackend,
  getKernel,
  type KernelFunc,
  type NamedTensorMap,
  registerKernel,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { CONV3D_WASM } from './conv3d-wasm';

/** The geometry of one 3D convolution with 'same' padding: sizes, strides and the padding before. */
export interface Conv3dGeometry {
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

/** What the kernels use of tfjs-backend-wasm's backend object (4.22; the package itself is not imported). */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  wasm: { asm?: { memory?: unknown } };
}

/** The module's exports: byte offsets in the backend's heap, then the geometry. */
interface Conv3dExports {
  conv3d(x: number, w: number, bias: number, y: number, ...dims: number[]): void;
  conv3d_input_grad(dy: number, wt: number, dx: number, ...dims: number[]): void;
  conv3d_filter_grad(x: number, dy: number, dw: number, ...dims: number[]): void;
}

const FORWARD = 'DmdetConv3dForward';
const INPUT_GRAD = 'DmdetConv3dInputGrad';
const FILTER_GRAD = 'DmdetConv3dFilterGrad';

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, Conv3dExports | null>();
let enabled = true;

/**
 * Turns the wasm convolution kernels off (`false`: `conv3dSame` takes its conv2d path on wasm, as
 * where the module cannot run) or back on, in this thread. For tests and A/B benchmarks.
 */
export function setWasmConv3dEnabled(on: boolean): void {
  enabled = on;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The module instantiated on `memory` (the backend's heap), or null where it cannot be: no
 * WebAssembly SIMD, a shared memory (tfjs-wasm's threaded build), or a browser's main thread, which
 * refuses to compile modules over 4 kB synchronously (see {@link prepareWasmConv3d}).
 */
function instanceOn(memory: WebAssembly.Memory): Conv3dExports | null {
  const known = instances.get(memory);
  if (known !== undefined) return known;
  let found: Conv3dExports | null = null;
  try {
    if (compiled === undefined) compiled = new WebAssembly.Module(decode(CONV3D_WASM));
    if (compiled)
      found = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Conv3dExports;
  } catch {
    if (compiled === undefined) compiled = null;
  }
  instances.set(memory, found);
  return found;
}

/**
 * Compiles the module asynchronously, for browsers' main threads (which refuse a synchronous
 * compilation of its size); Node and workers need not call it. Resolves to whether it compiled.
 */
export async function prepareWasmConv3d(): Promise<boolean> {
  if (compiled === undefined) {
    try {
      compiled = await WebAssembly.compile(decode(CONV3D_WASM));
    } catch {
      compiled = null;
    }
  }
  return compiled !== null;
}

function unpack(backend: unknown, g: Conv3dGeometry) {
  const b = backend as WasmBackendLike;
  const exports = instanceOn(b.wasm.asm?.memory as WebAssembly.Memory) as Conv3dExports;
  const [B, D, H, W, C] = g.input;
  const [kd, kh, kw, , O] = g.kernel;
  const dims = [D, B, H, W, C, g.out[0], g.out[1], O, kd, kh, kw, ...g.strides, ...g.before];
  const offset = (t: TensorInfo) => b.dataIdMap.get(t.dataId)?.memoryOffset as number;
  return { b, exports, dims, offset };
}

const forward: KernelFunc = ({ inputs, attrs, backend }) => {
  const g = attrs as unknown as Conv3dGeometry;
  const { b, exports, dims, offset } = unpack(backend, g);
  const [B, D] = g.input;
  const out = b.makeOutput([B, D, g.out[0], g.out[1], g.kernel[4]], 'float32');
  const bias = inputs['bias'] as TensorInfo | undefined;
  exports.conv3d(
    offset(inputs['x'] as TensorInfo),
    offset(inputs['w'] as TensorInfo),
    bias ? offset(bias) : 0,
    offset(out),
    ...dims,
  );
  return out;
};

/** A gradient kernel: two inputs, one output of the geometry's `shape`, one call of the module. */
function gradientKernel(
  first: string,
  second: string,
  shape: (g: Conv3dGeometry) => number[],
  call: 'conv3d_input_grad' | 'conv3d_filter_grad',
): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const g = attrs as unknown as Conv3dGeometry;
    const { b, exports, dims, offset } = unpack(backend, g);
    const out = b.makeOutput(shape(g), 'float32');
    exports[call](
      offset(inputs[first] as TensorInfo),
      offset(inputs[second] as TensorInfo),
      offset(out),
      ...dims,
    );
    return out;
  };
}

const inputGrad = gradientKernel('dy', 'wt', (g) => [...g.input], 'conv3d_input_grad');
const filterGrad = gradientKernel('x', 'dy', (g) => [...g.kernel], 'conv3d_filter_grad');

/**
 * Whether the wasm convolution kernels can run now: the active backend is wasm (its single-threaded
 * build) and the module instantiates on its heap (WebAssembly SIMD). Registers the kernels on first
 * use; they are new kernel names, so no tfjs kernel is replaced and other backends are untouched.
 */
export function wasmConv3dAvailable(): boolean {
  if (!enabled || getBackend() !== 'wasm') return false;
  const b = engine().backend as unknown as Partial<WasmBackendLike>;
  const memory = b.wasm?.asm?.memory;
  if (typeof b.makeOutput !== 'function' || !b.dataIdMap || !(memory instanceof WebAssembly.Memory))
    return false;
  // A backend made after the kernels were registered (a new wasm instance) has a memory of its own.
  if (!instanceOn(memory)) return false;
  if (!getKernel(FORWARD, 'wasm')) {
    registerKernel({ kernelName: FORWARD, backendName: 'wasm', kernelFunc: forward });
    registerKernel({ kernelName: INPUT_GRAD, backendName: 'wasm', kernelFunc: inputGrad });
    registerKernel({ kernelName: FILTER_GRAD, backendName: 'wasm', kernelFunc: filterGrad });
  }
  return true;
}

function check(what: string, g: Conv3dGeometry, tensors: [string, Tensor, number][]): void {
  for (const [name, t, size] of tensors) {
    if (t.size !== size)
      throw new RangeError(`${what}: ${name} [${t.shape}] does not match the geometry ${JSON.stringify(g)}`);
    if (t.dtype !== 'float32') throw new TypeError(`${what}: ${name} must be float32, got ${t.dtype}`);
  }
}

const volume = (s: number[]) => s.reduce((a, b) => a * b, 1);
const outSize = (g: Conv3dGeometry) => g.input[0] * g.input[1] * g.out[0] * g.out[1] * g.kernel[4];

/**
 * A 3D convolution with 'same' padding and stride `[1, sy, sx]` (`[B, D, Ho, Wo, O]`), plus `bias`
 * if given, in one call of this package's WebAssembly SIMD module, working in the wasm backend's
 * heap: no padded or shifted copies. Only on wasm; check {@link wasmConv3dAvailable} first. No
 * gradient of its own (`conv3dSame` gives it one).
 */
export function wasmConv3d(x: Tensor, w: Tensor, geometry: Conv3dGeometry, bias?: Tensor): Tensor {
  const checks: [string, Tensor, number][] = [
    ['x', x, volume(geometry.input)],
    ['kernel', w, volume(geometry.kernel)],
  ];
  if (bias) checks.push(['bias', bias, geometry.kernel[4]]);
  check('wasmConv3d', geometry, checks);
  const inputs: NamedTensorMap = bias ? { x, w, bias } : { x, w };
  return engine().runKernel(FORWARD, inputs, geometry as never) as Tensor;
}

/**
 * The input gradient of {@link wasmConv3d} (`[B, D, H, W, C]`) from the output gradient `dy` and the
 * kernel with its channel axes swapped, `wt` (`[kd, kh, kw, O, C]`).
 */
export function wasmConv3dInputGrad(dy: Tensor, wt: Tensor, geometry: Conv3dGeometry): Tensor {
  check('wasmConv3dInputGrad', geometry, [
    ['dy', dy, outSize(geometry)],
    ['kernel', wt, volume(geometry.kernel)],
  ]);
  return engine().runKernel(INPUT_GRAD, { dy, wt }, geometry as never) as Tensor;
}

/**
 * The filter gradient of {@link wasmConv3d} (`[kd, kh, kw, C, O]`) from its input `x` and the output
 * gradient `dy`: one streaming reduction over the output voxels, without XNNPACK's re-packing of a
 * new "filter" (the output gradient) on every call.
 */
export function wasmConv3dFilterGrad(x: Tensor, dy: Tensor, geometry: Conv3dGeometry): Tensor {
  check('wasmConv3dFilterGrad', geometry, [
    ['x', x, volume(geometry.input)],
    ['dy', dy, outSize(geometry)],
  ]);
  return engine().runKernel(FILTER_GRAD, { x, dy }, geometry as never) as Tensor;
}
