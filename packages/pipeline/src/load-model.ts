import { loadModel as loadModelFrom, type ModelLocation } from '@dmdet/model';
import { ensureBackend } from './backend';
import type { DetectorModel } from './detect';

/** Where this module lives (dist/ or src/, both one level below the package root). */
export function moduleUrl(): string {
  if (typeof __filename !== 'string') return import.meta.url;
  // CommonJS build (Node): a file URL from the path, without importing node:url (browser-safe module).
  const path = __filename.replace(/\\/g, '/');
  return `file://${path.startsWith('/') ? '' : '/'}${encodeURI(path)}`;
}

/** URL of the built-in model's `model.json`, shipped inside this package. */
export function defaultModelUrl(): string {
  return new URL('../model/default/model.json', moduleUrl()).href;
}

/**
 * Loads a detector: `'default'` (the built-in model shipped with this package), a URL of a
 * `model.json` (or `indexeddb://…`), an IOHandler, or the `File`s a user picked. In Node, use
 * `loadModel` from `@dmdet/pipeline/node`, which also reads folders. Starts a backend first when
 * none is active (the fastest available, as `detect` does), so it can be the first call.
 *
 * @example
 * const detector = await loadModel('default');
 */
export async function loadModel(source: 'default' | ModelLocation | File[]): Promise<DetectorModel> {
  await ensureBackend(undefined);
  if (source === 'default') return loadModelFrom(defaultModelUrl(), { label: 'the built-in model' });
  return loadModelFrom(source);
}
