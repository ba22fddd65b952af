/**
 * Widens a trained DM-DetNet3D to more channels per level without changing what it computes
 * (Net2Net's widening: Chen, Goodfellow & Shlens 2016), so that a fine-tune can start from the
 * trained weights with more capacity:
 *
 *   npx tsx --conditions=@dmdet/source tools/widen-model.ts <from dir> <out dir> <widths, e.g. 16,32,48> [seed]
 *
 * Each level's new channel c copies old channel c mod W (W the old width): its incoming kernel and
 * bias, its normalisation's gamma, beta and fixed statistics. Every layer that reads a widened
 * tensor splits each old channel's weights among that channel's copies in random positive parts
 * summing to 1 (seeded), so the sum it computes is the old one while the copies' gradients differ
 * (equal parts would keep them equal forever). Residual additions and upsampling are channel-wise
 * and need nothing. The metadata (spot scale, input transform, threshold rule…) is kept; `config.widths`
 * and `training.widenedFrom` record the change. Refuses an out folder that exists. After writing, it
 * loads both models and checks that their maps agree on a random volume (max |Δ| < 1e-4), and
 * removes what it wrote if not.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictVolume } from '@dmdet/model';
import { loadModel } from '@dmdet/pipeline/node';
import { Random } from '@dmdet/simulate';
import { readModelFolder, type WeightSpec } from './lib/model-json';

const [from, out, widthsArg, seedArg] = process.argv.slice(2);
if (!from || !out || !widthsArg)
  throw new Error('usage: widen-model.ts <from dir> <out dir> <widths, e.g. 16,32,48> [seed]');
if (existsSync(out)) throw new Error(`${out} exists; choose a new folder`);
const source = readModelFolder(from);
const meta = source.json.userDefinedMetadata?.dmdet as { config?: { widths?: number[] } } | undefined;
const oldWidths = meta?.config?.widths;
if (!Array.isArray(oldWidths)) throw new Error(`${from}: no config.widths in its metadata`);
const newWidths = widthsArg.split(',').map(Number);
if (
  newWidths.length !== oldWidths.length ||
  newWidths.some((w, i) => !Number.isInteger(w) || w < (oldWidths[i] as number))
)
  throw new Error(
    `widths: expected ${oldWidths.length} integers each at least ${oldWidths.join(', ')}, got ${widthsArg}`,
  );
const widthOf = new Map<number, number>();
oldWidths.forEach((w, i) => {
  const prior = widthOf.get(w);
  if (prior !== undefined && prior !== newWidths[i])
    throw new Error(`levels of equal width ${w} must widen alike (${prior} and ${newWidths[i]})`);
  widthOf.set(w, newWidths[i] as number);
});
const rng = new Random(Number(seedArg ?? 1));
const random = () => rng.float();

// Old values of every weight, by name.
const buffer = readFileSync(source.weightsPath);
const values = new Map<string, Float32Array>();
let offset = 0;
for (const w of source.weights) {
  if (w.dtype !== 'float32') throw new Error(`${from}: weight ${w.name} is ${w.dtype}, expected float32`);
  const n = w.shape.reduce((a, b) => a * b, 1);
  values.set(
    w.name,
    new Float32Array(buffer.buffer.slice(buffer.byteOffset + offset, buffer.byteOffset + offset + 4 * n)),
  );
  offset += 4 * n;
}
if (offset !== buffer.length)
  throw new Error(`${source.weightsPath}: ${buffer.length} bytes, the manifest names ${offset}`);

type Layer = {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[][][];
};
const topology = source.json.modelTopology as { config: { layers: Layer[] } };
/** Channels of each layer's output, old. */
const channels = new Map<string, number>();
const widen = (w: number) => widthOf.get(w) ?? w;
/** Old channel of each new channel: the first W keep their place, the rest copy c mod W. */
const origin = (oldW: number, newW: number) => Array.from({ length: newW }, (_, c) => c % oldW);
/** Each new input channel's share of its old channel's weights: random positive parts summing to 1. */
function shares(oldW: number, newW: number): Float64Array {
  const part = new Float64Array(newW);
  const sums = new Float64Array(oldW);
  for (let c = 0; c < newW; c++) {
    part[c] = newW === oldW ? 1 : 0.5 + random();
    sums[c % oldW] = (sums[c % oldW] as number) + (part[c] as number);
  }
  for (let c = 0; c < newW; c++) part[c] = (part[c] as number) / (sums[c % oldW] as number);
  return part;
}
const newValues = new Map<string, Float32Array>();
const newShapes = new Map<string, number[]>();
for (const layer of topology.config.layers) {
  const inbound = (layer.inbound_nodes[0] ?? []).map((node) => String(node[0]));
  const inC = inbound.length > 0 ? (channels.get(inbound[0] as string) as number) : 1;
  if (layer.class_name === 'Conv3DSame') {
    const filters = layer.config.filters as number;
    const kernel = values.get(`${layer.name}/kernel`) as Float32Array;
    const bias = values.get(`${layer.name}/bias`) as Float32Array;
    const newIn = widen(inC);
    const newOut = widen(filters);
    const taps = kernel.length / (inC * filters);
    const inFrom = origin(inC, newIn);
    const outFrom = origin(filters, newOut);
    const part = shares(inC, newIn);
    const k = new Float32Array(taps * newIn * newOut);
    for (let t = 0; t < taps; t++)
      for (let i = 0; i < newIn; i++)
        for (let o = 0; o < newOut; o++)
          k[(t * newIn + i) * newOut + o] =
            (kernel[(t * inC + (inFrom[i] as number)) * filters + (outFrom[o] as number)] as number) *
            (part[i] as number);
    const shape = source.weights.find((w) => w.name === `${layer.name}/kernel`)?.shape as number[];
    newValues.set(`${layer.name}/kernel`, k);
    newShapes.set(`${layer.name}/kernel`, [...shape.slice(0, 3), newIn, newOut]);
    newValues.set(
      `${layer.name}/bias`,
      Float32Array.from(outFrom, (o) => bias[o] as number),
    );
    newShapes.set(`${layer.name}/bias`, [newOut]);
    layer.config.filters = newOut;
    channels.set(layer.name, filters);
  } else {
    if (layer.class_name === 'InstanceNormalization')
      for (const part of ['gamma', 'beta', 'mean', 'variance']) {
        const v = values.get(`${layer.name}/${part}`);
        if (!v) continue;
        const from = origin(inC, widen(inC));
        newValues.set(
          `${layer.name}/${part}`,
          Float32Array.from(from, (c) => v[c] as number),
        );
        newShapes.set(`${layer.name}/${part}`, [from.length]);
      }
    else if (
      !['InputLayer', 'PadToMultiple', 'ReLU', 'Add', 'UpSampling3D', 'CropToReference'].includes(
        layer.class_name,
      )
    )
      throw new Error(`${from}: layer ${layer.name} of class ${layer.class_name} is not one this tool knows`);
    channels.set(layer.name, layer.class_name === 'InputLayer' ? 1 : inC);
  }
}
const weights: WeightSpec[] = source.weights.map((w) => {
  const shape = newShapes.get(w.name);
  if (!shape) throw new Error(`${from}: weight ${w.name} belongs to no layer this tool widened`);
  return { ...w, shape };
});
const bytes = Buffer.concat(weights.map((w) => Buffer.from((newValues.get(w.name) as Float32Array).buffer)));
const json = structuredClone(source.json);
json.modelTopology = topology;
(json.weightsManifest[0] as { weights: WeightSpec[] }).weights = weights;
const dmdet = json.userDefinedMetadata?.dmdet as Record<string, unknown> & {
  config: Record<string, unknown>;
  training?: Record<string, unknown>;
};
dmdet.config = { ...dmdet.config, widths: newWidths };
dmdet.training = {
  ...(dmdet.training ?? {}),
  widenedFrom: { dir: from, widths: oldWidths, seed: Number(seedArg ?? 1) },
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'model.json'), JSON.stringify(json));
writeFileSync(join(out, 'weights.bin'), bytes);

// The widened model must compute what the old one does.
const [a, b] = [await loadModel(from), await loadModel(out)];
const shape: [number, number, number] = [6, 24, 28];
const data = new Float32Array(shape[0] * shape[1] * shape[2]);
for (let i = 0; i < data.length; i++) data[i] = 3 * (random() - 0.3);
const [ma, mb] = [
  await predictVolume(a.model, { data, shape }),
  await predictVolume(b.model, { data, shape }),
];
let worst = 0;
for (let i = 0; i < data.length; i++)
  worst = Math.max(worst, Math.abs((ma.data[i] as number) - (mb.data[i] as number)));
if (!(worst < 1e-4)) {
  rmSync(out, { recursive: true });
  throw new Error(`widened model differs from ${from} by ${worst} on a random volume; nothing kept`);
}
const params = (ws: WeightSpec[]) => ws.reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
console.log(
  `${out}: widths ${oldWidths.join(',')} → ${newWidths.join(',')}, ${params(source.weights)} → ${params(weights)} weights; maps agree within ${worst.toExponential(1)}`,
);
