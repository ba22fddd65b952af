import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { createDmDetNet3D, predictVolume } from '../src/index';

// The webgpu backend without a GPU: the `webgpu` npm package (Dawn, prebuilt dawn.node) on Mesa's
// OpenGL ES driver (llvmpipe), surfaceless EGL, WebGPU compatibility mode, and a `navigator` (Node
// 20 has none). Slow, so one small prediction. CI installs Mesa and sets DMDET_REQUIRE_WEBGPU=1.
async function startWebgpu(): Promise<string | undefined> {
  try {
    process.env['EGL_PLATFORM'] = 'surfaceless';
    const { create, globals } = (await import('webgpu')) as unknown as {
      create: (flags: string[]) => { requestAdapter: (o?: object) => Promise<unknown> };
      globals: object;
    };
    Object.assign(globalThis, globals);
    const gpu = create(['backend=opengles']);
    const request = gpu.requestAdapter.bind(gpu);
    gpu.requestAdapter = (o: object = {}) => request({ ...o, featureLevel: 'compatibility' });
    if (!(await gpu.requestAdapter())) return 'Dawn found no adapter (is Mesa installed?)';
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return 'tfjs could not start webgpu';
    return undefined;
  } catch (e) {
    return String(e);
  }
}

const problem = await startWebgpu();
if (problem && process.env['DMDET_REQUIRE_WEBGPU'] === '1')
  throw new Error(`DMDET_REQUIRE_WEBGPU=1 but webgpu did not start: ${problem}`);

describe.skipIf(problem !== undefined)('webgpu backend (Dawn on llvmpipe)', () => {
  it("the model's prediction on webgpu equals the cpu backend's", async () => {
    const model = createDmDetNet3D({ widths: [4, 8], strides: [[1, 2, 2]], blocksPerLevel: 1, seed: 9 });
    const data = Float32Array.from(
      { length: 4 * 16 * 16 },
      (_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.11),
    );
    const volume = { data, shape: [4, 16, 16] as [number, number, number] };
    // cpu first: the weights then move to the GPU (moving them back would need a synchronous read,
    // which tfjs-webgpu does through OffscreenCanvas, absent in Node).
    await tf.setBackend('cpu');
    const cpu = await predictVolume(model, volume);
    await tf.setBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await predictVolume(model, volume);
    let diff = 0;
    for (let i = 0; i < cpu.data.length; i++)
      diff = Math.max(diff, Math.abs((cpu.data[i] as number) - (gpu.data[i] as number)));
    expect(diff).toBeLessThan(1e-4);
  }, 120_000);
});
