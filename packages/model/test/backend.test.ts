import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND_PACKAGES, backendPreference, ModelError, useBackend } from '../src/index';
import { useCpu } from './setup-tf';

afterAll(async () => {
  await useCpu();
});

describe('useBackend', () => {
  it('loads and activates a backend by name', async () => {
    expect(await useBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  }, 60_000);

  it("'auto' takes the fastest that starts here: in Node without tfjs-node, wasm", async () => {
    expect(backendPreference()).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    expect(await useBackend('auto')).toBe('wasm');
    expect(await useBackend()).toBe('wasm');
  }, 60_000);

  it('a backend whose package is missing names the package to install', async () => {
    for (const name of ['tensorflow', 'tensorflow-gpu'] as const) {
      const err = await useBackend(name).catch((e) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect(err.code).toBe('BACKEND_UNAVAILABLE');
      expect(err.message).toContain(`npm install ${BACKEND_PACKAGES[name].package}`);
    }
  });

  it('an installed backend that cannot start here (webgpu in Node without a GPU) says so', async () => {
    const err = await useBackend('webgpu').catch((e) => e);
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(err.message).toMatch(/'webgpu' backend/);
  });

  it('an unknown name is a usage error listing the choices', async () => {
    const err = await useBackend('tpu' as never).catch((e) => e);
    expect(err.code).toBe('INVALID_OPTION');
    expect(err.message).toMatch(/'cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow', 'tensorflow-gpu'/);
  });
});
