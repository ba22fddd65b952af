/**
 * The F1 of a fine-tuned model of `npm run example:fine-tune` at thresholds 0.05, 0.10, …, 0.95, on
 * its validation blocks (the `dmdet train` split of the example's stacks) and on the held-out stacks:
 * whether the threshold chosen on the validation blocks suits stacks the model has not seen. An
 * analysis, not a way to choose a threshold (that would be choosing on the held-out data).
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/fine-tune-threshold-sweep.ts [example out dir …]
 *
 * Each directory is an `example:fine-tune` `--out` (default `bench-output/fine-tune`) with its
 * `stacks/`, `held-out/` and `model/`.
 */
import { join } from 'node:path';
import { bestThreshold, type Point3, type ScoredPoint } from '@dmdet/metrics';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel, readTrainingData } from '@dmdet/pipeline/node';
import { readAnnotationsFile, readTiffFile } from '@dmdet/volume-io/node';

await useBackend('wasm');
const dirs = process.argv.slice(2);
const grid = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);
const curve = (images: { truth: Point3[]; detections: ScoredPoint[] }[]) =>
  bestThreshold(images, { gate: 5, candidates: grid })
    .curve.map((c) => `${c.threshold.toFixed(2)}:${c.meanF1.toFixed(3)}`)
    .join(' ');
for (const dir of dirs.length > 0 ? dirs : ['bench-output/fine-tune']) {
  const model = await loadModel(join(dir, 'model'));
  const data = await readTrainingData(join(dir, 'stacks'), { units: 'um' });
  const validation = [];
  for (const v of data.validation) {
    const r = await detect(v.volume, { model, threshold: 0.05 });
    validation.push({ truth: [...v.points], detections: r.points });
  }
  const heldOut = [];
  for (let i = 1; i <= 6; i++) {
    const volume = await readTiffFile(join(dir, 'held-out', `held-out-${i}.tif`));
    const truth = (await readAnnotationsFile(join(dir, 'held-out', `held-out-${i}.truth.csv`))).points;
    const r = await detect(volume, { model, threshold: 0.05 });
    heldOut.push({ truth: [...truth], detections: r.points });
  }
  console.log(`${dir}: the model's threshold ${model.metadata.threshold?.toFixed(3)}`);
  console.log(`  validation blocks (mean F1): ${curve(validation)}`);
  console.log(`  held-out stacks   (mean F1): ${curve(heldOut)}`);
}
