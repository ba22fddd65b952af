// No backend imported or started here: loadModel must be able to be a program's first call.
import { engine } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/node';

describe('loadModel as the first call', () => {
  it('starts a backend itself instead of failing with "No backend found in registry"', async () => {
    expect(engine().backendName).toBeFalsy();
    const detector = await loadModel('default');
    expect(detector.metadata.format).toBe('dmdet-model');
    expect(engine().backendName).toBeTruthy();
  }, 60_000);
});
