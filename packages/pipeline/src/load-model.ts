import { loadModel as loadModelFrom, type ModelLocation } from '@dmdet/model';
import builtIn from '../model/built-in.json' with { type: 'json' };
import { ensureBackend } from './backend';
import type { DetectorModel } from './detect';

/** Where this module lives (dist/ or src/, both one level below the package root). */
export function moduleUrl(): string {
  if (typeof __filename !== 'string') return import.meta.url;
  // CommonJS build (Node): a file URL from the path, without importing node:url (browser-safe module).
  const path = __filename.replace(/\\/g, '/');
  return `file://${path.startsWith('/') ? '' : '/'}${encodeURI(path)}`;
}

/**
 * The built-in models, by name, and the folder (inside this package's `model/`) each lives in, as
 * `model/built-in.json` lists them (one list for this module and the tools that copy models):
 * `'default'` is `'general'`, trained on the `general` simulation family and the virus scenario
 * (docs/default-model.md); `'tissue'` is the general model fine-tuned further on the family with its
 * acquisition effects (granular cell autofluorescence among them), with everything around the
 * network (spot scale, input transform, flips, threshold rule) the general model's: better on
 * granular, autofluorescent cells, a little worse on faint spots elsewhere (docs/default-model.md,
 * "`tissue`"); `'scmos'` is the general model fine-tuned further with an sCMOS camera's pixel pattern
 * (per-pixel offsets, gains and read noise, the same in every slice) in every one of the family's
 * volumes, the rest of it the general model's: better on stacks with such a pattern near the noise,
 * worse on faint spots without one (`dmdet detect` without `--model` uses it where it reads a
 * pattern: `modelForPixelPattern`; docs/default-model.md, "`scmos`"); `'ptc-virus'`, trained on the Particle Tracking Challenge's virus scenario alone,
 * reproduces the paper's Table 1 (docs/results.md).
 */
export const BUILT_IN_MODELS: Readonly<Record<BuiltInModelName, string>> = builtIn;

/** A built-in model's name. */
export type BuiltInModelName = 'default' | 'general' | 'tissue' | 'scmos' | 'ptc-virus';

/** Whether `source` names a built-in model. */
export function isBuiltInModel(source: unknown): source is BuiltInModelName {
  return typeof source === 'string' && Object.hasOwn(BUILT_IN_MODELS, source);
}

/** URL of a built-in model's `model.json` (default: `'default'`), shipped inside this package. */
export function defaultModelUrl(name: BuiltInModelName = 'default'): string {
  return new URL(`../model/${BUILT_IN_MODELS[name]}/model.json`, moduleUrl()).href;
}

/**
 * Loads a detector: a built-in model by name (`'default'` = `'general'`, `'tissue'`, `'scmos'`, `'ptc-virus'`: shipped with this package), a URL of a
 * `model.json` (or `indexeddb://…`), an IOHandler, or the `File`s a user picked. In Node, use
 * `loadModel` from `@dmdet/pipeline/node`, which also reads folders. Starts a backend first when
 * none is active (the fastest available, as `detect` does), so it can be the first call.
 *
 * @example
 * const detector = await loadModel('default');
 */
export async function loadModel(source: BuiltInModelName | ModelLocation | File[]): Promise<DetectorModel> {
  await ensureBackend(undefined);
  if (isBuiltInModel(source))
    return loadModelFrom(defaultModelUrl(source), { label: `the built-in model '${source}'` });
  return loadModelFrom(source);
}
