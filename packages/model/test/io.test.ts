import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDmDetNet3D,
  loadModel,
  MODEL_PACKAGE_VERSION,
  type ModelMetadata,
  predictVolume,
  resolveConfig,
} from '../src/index';
import { fileSystemHandler, loadModelFromDir, saveModelToDir } from '../src/node';
import { useCpu } from './setup-tf';

const root = mkdtempSync(join(tmpdir(), 'dmdet-model-'));
beforeAll(async () => {
  await useCpu();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = { widths: [4, 6], seed: 2 };
const metadata: Omit<ModelMetadata, 'packageVersion'> = {
  format: 'dmdet-model',
  formatVersion: 1,
  architecture: 'dm-detnet3d',
  config: resolveConfig(config),
  target: { kind: 'density', sigmaXY: 1.4, sigmaZ: 1 },
  normalization: { low: 1, high: 99.8 },
  threshold: 0.42,
};

describe('save and load', () => {
  it('a saved model loads with identical predictions and its metadata', async () => {
    const model = createDmDetNet3D(config);
    const dir = join(root, 'm1');
    await saveModelToDir(model, dir, metadata);
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths).toEqual([
      './weights.bin',
    ]);
    const { model: loaded, metadata: meta } = await loadModelFromDir(dir);
    expect(meta).toEqual({ ...metadata, packageVersion: MODEL_PACKAGE_VERSION });
    const x = tf.randomUniform([1, 3, 9, 10, 1], 0, 1, 'float32', 5);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
    const volume = { data: Float32Array.from(x.dataSync()), shape: [3, 9, 10] as [number, number, number] };
    expect(Array.from((await predictVolume(loaded, volume)).data)).toEqual(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
  });

  it('refuses to overwrite a saved model unless asked', async () => {
    const dir = join(root, 'm2');
    await saveModelToDir(createDmDetNet3D(config), dir, metadata);
    await expect(saveModelToDir(createDmDetNet3D(config), dir, metadata)).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    });
    await saveModelToDir(createDmDetNet3D(config), dir, metadata, { overwrite: true });
  });

  it('refuses a tfjs model that is not a dmdet model', async () => {
    const dir = join(root, 'foreign');
    const plain = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    await plain.save(fileSystemHandler(dir));
    await expect(loadModelFromDir(dir)).rejects.toMatchObject({
      code: 'FOREIGN_MODEL',
      message: expect.stringContaining(dir),
    });
  });

  it('keeps a valid context in the metadata and refuses a malformed one, naming the field', async () => {
    const dir = join(root, 'context');
    const context = { radius: [2, 6, 6] as [number, number, number], tolerance: 1e-4 };
    await saveModelToDir(createDmDetNet3D(config), dir, { ...metadata, context });
    expect((await loadModelFromDir(dir)).metadata.context).toEqual(context);
    const bad = join(root, 'bad-context');
    await saveModelToDir(createDmDetNet3D(config), bad, {
      ...metadata,
      context: { radius: [2, 6], tolerance: 1e-4 } as unknown as typeof context,
    });
    await expect(loadModelFromDir(bad)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/metadata field context must be/),
    });
  });

  it('keeps a valid threshold rule and refuses a malformed one, naming the field', async () => {
    const dir = join(root, 'rule');
    const thresholdRule = {
      kind: 'signal' as const,
      confidence: 0.8,
      minSpots: 5,
      knots: [0.2, 0.6],
      thresholds: [0.45, 0.7],
    };
    await saveModelToDir(createDmDetNet3D(config), dir, { ...metadata, thresholdRule });
    expect((await loadModelFromDir(dir)).metadata.thresholdRule).toEqual(thresholdRule);
    const bad = join(root, 'bad-rule');
    await saveModelToDir(createDmDetNet3D(config), bad, {
      ...metadata,
      thresholdRule: { ...thresholdRule, knots: [0.6, 0.2] },
    });
    await expect(loadModelFromDir(bad)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/metadata field thresholdRule: knots must be strictly increasing/),
    });
  });

  it('keeps a valid axial-ghost rule and refuses a malformed one, naming the field', async () => {
    const dir = join(root, 'ghosts');
    const axialGhosts = { ratio: 0.25, dz: [2, 6] as [number, number], lateral: 2.5 };
    await saveModelToDir(createDmDetNet3D(config), dir, { ...metadata, axialGhosts });
    expect((await loadModelFromDir(dir)).metadata.axialGhosts).toEqual(axialGhosts);
    const bad = join(root, 'bad-ghosts');
    await saveModelToDir(createDmDetNet3D(config), bad, {
      ...metadata,
      axialGhosts: { ...axialGhosts, ratio: 2 },
    });
    await expect(loadModelFromDir(bad)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/metadata field axialGhosts: ratio must be a number in \(0, 1\)/),
    });
  });

  it('keeps a valid bright pass and refuses a malformed one, naming the field', async () => {
    const dir = join(root, 'bright');
    const brightPass = { fromPeak: 400, kneeFactor: 4, separation: 3 };
    await saveModelToDir(createDmDetNet3D(config), dir, { ...metadata, brightPass });
    expect((await loadModelFromDir(dir)).metadata.brightPass).toEqual(brightPass);
    const bad = join(root, 'bad-bright');
    await saveModelToDir(createDmDetNet3D(config), bad, {
      ...metadata,
      brightPass: { ...brightPass, kneeFactor: 1 },
    });
    await expect(loadModelFromDir(bad)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(
        /metadata field brightPass must be \{ fromPeak.*kneeFactor: a number > 1/,
      ),
    });
  });

  it('keeps test-time flips and refuses a value other than 1, 2, 4 or 8, naming the field', async () => {
    const dir = join(root, 'flips');
    await saveModelToDir(createDmDetNet3D(config), dir, { ...metadata, flips: 4 });
    expect((await loadModelFromDir(dir)).metadata.flips).toBe(4);
    const bad = join(root, 'bad-flips');
    await saveModelToDir(createDmDetNet3D(config), bad, { ...metadata, flips: 3 as never });
    await expect(loadModelFromDir(bad)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/metadata field flips must be 1, 2, 4 or 8, got 3/),
    });
  });

  it('explains missing, unparsable and truncated model folders', async () => {
    await expect(loadModelFromDir(join(root, 'nowhere'))).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringMatching(/no such folder/),
    });
    const dir = join(root, 'broken');
    await saveModelToDir(createDmDetNet3D(config), dir, metadata);
    const weights = join(dir, 'weights.bin');
    truncateSync(weights, 100);
    await expect(loadModelFromDir(dir)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/hold 100 bytes but model.json describes \d+/),
    });
    rmSync(weights);
    await expect(loadModelFromDir(dir)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/weights.bin: listed in model.json but missing/),
    });
    writeFileSync(join(dir, 'model.json'), '{ not json');
    await expect(loadModelFromDir(dir)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/not valid JSON/),
    });
    writeFileSync(join(dir, 'model.json'), '{"hello": 1}');
    await expect(loadModelFromDir(dir)).rejects.toMatchObject({
      code: 'CORRUPT_MODEL',
      message: expect.stringMatching(/expected a tfjs layers model/),
    });
  });

  it('loads from an IOHandler in memory (as a browser would from URLs or Files)', async () => {
    let saved: tf.io.ModelArtifacts | undefined;
    const memory: tf.io.IOHandler = {
      save: async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
      load: async () => saved as tf.io.ModelArtifacts,
    };
    const model = createDmDetNet3D(config);
    await model.save(memory);
    await expect(loadModel(memory)).rejects.toMatchObject({ code: 'FOREIGN_MODEL' });
    model.setUserDefinedMetadata({ dmdet: { ...metadata, packageVersion: 'x' } });
    await model.save(memory);
    expect((await loadModel(memory)).metadata.threshold).toBe(0.42);
  });
});

describe('loading from a URL', () => {
  it('loads a saved folder served over HTTP (as a browser or an app would)', async () => {
    const { createServer } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const dir = join(root, 'served');
    const model = createDmDetNet3D(config);
    await saveModelToDir(model, dir, metadata);
    const server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(dir, (req.url ?? '/').slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const { model: loaded, metadata: meta } = await loadModel(`http://127.0.0.1:${port}/model.json`);
      expect(meta.threshold).toBe(0.42);
      expect(loaded.countParams()).toBe(model.countParams());
      await expect(loadModel(`http://127.0.0.1:${port}/missing/model.json`)).rejects.toMatchObject({
        code: 'CORRUPT_MODEL',
      });
    } finally {
      server.close();
    }
  });
});
