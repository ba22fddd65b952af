import { findBackendFactory, getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import { ModelError } from './errors';
import { prepareWasmConv3d } from './wasm-conv3d';

/** The tfjs backends dmdet knows, by the name users pick them with. */
export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu';

/** Each backend's npm package and the name tfjs registers it under. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, { package: string; registersAs: string }>> = {
  cpu: { package: '@tensorflow/tfjs-backend-cpu', registersAs: 'cpu' },
  wasm: { package: '@tensorflow/tfjs-backend-wasm', registersAs: 'wasm' },
  webgl: { package: '@tensorflow/tfjs-backend-webgl', registersAs: 'webgl' },
  webgpu: { package: '@tensorflow/tfjs-backend-webgpu', registersAs: 'webgpu' },
  tensorflow: { package: '@tensorflow/tfjs-node', registersAs: 'tensorflow' },
  'tensorflow-gpu': { package: '@tensorflow/tfjs-node-gpu', registersAs: 'tensorflow' },
};

const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions?.node === 'string' && !('window' in globalThis);

/**
 * The order {@link useBackend}`('auto')` tries backends in, fastest first: in Node, TensorFlow's C
 * library (GPU, then CPU) where installed, then wasm (XNNPACK), then plain JS; in a browser, webgpu,
 * webgl, wasm, cpu.
 */
export function backendPreference(): BackendName[] {
  return isNode() ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : ['webgpu', 'webgl', 'wasm', 'cpu'];
}

const notInstalled = (e: unknown): boolean => {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === 'ERR_MODULE_NOT_FOUND' ||
    err?.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|Could not resolve|Failed to resolve module|Failed to fetch dynamically imported module/.test(
      String(err?.message),
    )
  );
};

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Imports a backend package by name; default `(pkg) => import(pkg)` from `@dmdet/model`. Pass
   * your own so the package resolves from your package (strict installs such as pnpm), e.g.
   * `(pkg) => import(pkg)` written in your code.
   */
  importer?: (pkg: string) => Promise<unknown>;
}

/** Imports a backend package unless its backend is registered already (e.g. imported by the app). */
async function loadBackendPackage(
  name: BackendName,
  importer: (pkg: string) => Promise<unknown>,
): Promise<void> {
  const { package: pkg, registersAs } = BACKEND_PACKAGES[name];
  if (findBackendFactory(registersAs) && name !== 'tensorflow-gpu') return;
  try {
    await importer(pkg);
  } catch (e) {
    if (notInstalled(e)) {
      throw new ModelError(
        'BACKEND_UNAVAILABLE',
        `the '${name}' backend needs the npm package ${pkg}, which is not installed (npm install ${pkg}@^4.22.0)` +
          (isNode() ? '' : `; in a browser, import '${pkg}' in your app before choosing it`),
        { cause: e },
      );
    }
    throw new ModelError(
      'BACKEND_UNAVAILABLE',
      `loading ${pkg} for the '${name}' backend failed: ${String(e)}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Loads and activates a tfjs backend chosen at run time: its package is imported only now (a
 * package that is not installed gives `BACKEND_UNAVAILABLE` naming the npm package to add), then
 * it is initialised. `'auto'` (the default) takes the first of {@link backendPreference} that
 * loads and initialises here. Returns the name of the backend now active.
 *
 * @example
 * await useBackend('wasm'); // or 'auto', 'cpu', 'webgl', 'webgpu', 'tensorflow', 'tensorflow-gpu'
 */
export async function useBackend(
  name: BackendName | 'auto' = 'auto',
  options: UseBackendOptions = {},
): Promise<BackendName> {
  if (name === 'auto') {
    const failures: string[] = [];
    for (const candidate of backendPreference()) {
      try {
        return await useBackend(candidate, options);
      } catch (e) {
        failures.push(`${candidate}: ${(e as Error).message}`);
      }
    }
    throw new ModelError(
      'BACKEND_UNAVAILABLE',
      `no tfjs backend could be started:\n  ${failures.join('\n  ')}`,
    );
  }
  if (!(name in BACKEND_PACKAGES)) {
    throw new ModelError(
      'INVALID_OPTION',
      `backend must be 'auto' or one of ${Object.keys(BACKEND_PACKAGES)
        .map((n) => `'${n}'`)
        .join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  // A variable specifier: bundlers leave it alone, and nothing is loaded unless asked for.
  await loadBackendPackage(name, options.importer ?? ((pkg) => import(/* @vite-ignore */ pkg)));
  const { registersAs } = BACKEND_PACKAGES[name];
  let ok = false;
  try {
    ok = await setBackend(registersAs);
  } catch (e) {
    throw new ModelError('BACKEND_UNAVAILABLE', `the '${name}' backend failed to start: ${String(e)}`, {
      cause: e,
    });
  }
  if (!ok || getBackend() !== registersAs) {
    throw new ModelError(
      'BACKEND_UNAVAILABLE',
      `the '${name}' backend is installed but could not start here` +
        (name === 'webgl' || name === 'webgpu' ? ' (no GPU context available)' : ''),
    );
  }
  await ready();
  // Browsers' main threads refuse to compile the wasm convolution module synchronously.
  if (registersAs === 'wasm') await prepareWasmConv3d();
  return name;
}
