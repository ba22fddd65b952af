import { checkAxialGhostRule, checkThresholdRule } from '@dmdet/postprocess';
import { io } from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { checkBrightPass } from './bright-pass';
import { ModelError } from './errors';
import { checkTestTimeFlips } from './flip-average';
import { registerLayers } from './layers';
import { MODEL_PACKAGE_VERSION, type ModelMetadata } from './metadata';

/** Where a model is saved to or loaded from: a tfjs URL or scheme (`https://…/model.json`, `indexeddb://name`, `downloads://name`) or an IOHandler. */
export type ModelLocation = string | io.IOHandler;

/**
 * Saves a model in tfjs's own format (`model.json` + weights) with its dmdet metadata in
 * `userDefinedMetadata.dmdet` (`packageVersion` is filled in). In Node, save to a folder with
 * `saveModelToDir` from `@dmdet/model/node`.
 *
 * @example
 * await saveModel(model, 'downloads://dmdet-model', { format: 'dmdet-model', formatVersion: 1, architecture: 'dm-detnet3d', config, threshold: 0.42 });
 */
export async function saveModel(
  model: LayersModel,
  location: ModelLocation,
  metadata: Omit<ModelMetadata, 'packageVersion'> & { packageVersion?: string },
): Promise<io.SaveResult> {
  const full: ModelMetadata = {
    ...metadata,
    packageVersion: metadata.packageVersion ?? MODEL_PACKAGE_VERSION,
  };
  model.setUserDefinedMetadata({ dmdet: full });
  return model.save(location);
}

/** Checks that loaded metadata describes a dmdet model. */
export function readMetadata(model: LayersModel, from: string): ModelMetadata {
  const meta = (model.getUserDefinedMetadata() as { dmdet?: ModelMetadata } | undefined)?.dmdet;
  if (meta?.format !== 'dmdet-model') {
    throw new ModelError(
      'FOREIGN_MODEL',
      `${from}: a tfjs model, but not a dmdet one (no userDefinedMetadata.dmdet with format "dmdet-model")`,
    );
  }
  if (meta.formatVersion !== 1) {
    throw new ModelError(
      'FOREIGN_MODEL',
      `${from}: dmdet model format version ${meta.formatVersion}; this version reads 1`,
    );
  }
  const context = meta.context;
  if (
    context !== undefined &&
    !(
      Array.isArray(context?.radius) &&
      context.radius.length === 3 &&
      context.radius.every((r) => Number.isInteger(r) && r >= 0) &&
      typeof context.tolerance === 'number' &&
      context.tolerance > 0
    )
  ) {
    throw new ModelError(
      'CORRUPT_MODEL',
      `${from}: metadata field context must be { radius: [z, y, x] non-negative integers, tolerance: a positive number }, got ${JSON.stringify(context)}`,
    );
  }
  if (meta.thresholdRule !== undefined) {
    try {
      checkThresholdRule(meta.thresholdRule, `${from}: metadata field thresholdRule`);
    } catch (e) {
      throw new ModelError('CORRUPT_MODEL', (e as Error).message, { cause: e });
    }
  }
  if (meta.flips !== undefined) {
    try {
      checkTestTimeFlips(meta.flips, `${from}: metadata field flips`);
    } catch (e) {
      throw new ModelError('CORRUPT_MODEL', (e as Error).message, { cause: e });
    }
  }
  if (meta.axialGhosts !== undefined) {
    try {
      checkAxialGhostRule(meta.axialGhosts, `${from}: metadata field axialGhosts`);
    } catch (e) {
      throw new ModelError('CORRUPT_MODEL', (e as Error).message, { cause: e });
    }
  }
  if (meta.brightPass !== undefined) {
    try {
      checkBrightPass(meta.brightPass, `${from}: metadata field brightPass`);
    } catch (e) {
      throw new ModelError('CORRUPT_MODEL', (e as Error).message, { cause: e });
    }
  }
  return meta;
}

/**
 * Loads a dmdet model and its metadata from a URL/scheme, an IOHandler, or (in a browser) the
 * `File`s picked by the user (`model.json` and its weight files). A tfjs model without dmdet metadata
 * is refused (`FOREIGN_MODEL`); a broken one gets `CORRUPT_MODEL`. `label` names the source in errors. In Node, load a folder with
 * `loadModelFromDir` from `@dmdet/model/node`.
 *
 * @example
 * const { model, metadata } = await loadModel('https://example.org/models/dmdet/model.json');
 */
export async function loadModel(
  source: ModelLocation | File[],
  options: { label?: string } = {},
): Promise<{ model: LayersModel; metadata: ModelMetadata }> {
  registerLayers();
  const from =
    options.label ??
    (typeof source === 'string'
      ? source
      : Array.isArray(source)
        ? source.map((f) => f.name).join(', ')
        : 'the model source');
  const handler = Array.isArray(source) ? io.browserFiles(source) : source;
  let model: LayersModel;
  try {
    model = await loadLayersModel(handler);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError('CORRUPT_MODEL', `${from}: could not load the model: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return { model, metadata: readMetadata(model, from) };
}
