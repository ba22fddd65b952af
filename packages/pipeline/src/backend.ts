import { type BackendName, useBackend as useModelBackend } from '@dmdet/model';
import { engine } from '@tensorflow/tfjs-core';

/**
 * Loads and activates a tfjs backend chosen at run time, importing its package only now (from this
 * package, so strict installs resolve it): `'auto'` (default) picks the fastest that starts here —
 * tfjs-node (GPU, then CPU) where installed, else wasm, else cpu in Node; webgpu, webgl, wasm, cpu in
 * a browser. A backend whose package is missing fails with `BACKEND_UNAVAILABLE` naming the npm
 * package to add. Returns the backend now active.
 *
 * @example
 * const name = await useBackend('auto'); // 'wasm' on a machine without tfjs-node
 */
export function useBackend(name: BackendName | 'auto' = 'auto'): Promise<BackendName> {
  return useModelBackend(name, { importer: (pkg) => import(/* @vite-ignore */ pkg) });
}

/**
 * The backend `detect` and `trainDetector` run on: the one asked for; else the one already active
 * (chosen by the app); else, when none has been started yet, the fastest available (`'auto'`).
 */
export async function ensureBackend(name: BackendName | 'auto' | undefined): Promise<void> {
  if (name !== undefined) {
    await useBackend(name);
    return;
  }
  if (!engine().backendName) await useBackend('auto');
}
