// The dmdet web example: read a TIFF (or simulate a volume), detect with the built-in model on the
// best backend this browser has, draw the projection and slices with the detections, offer the CSV.
// The app imports the backends it wants; `useBackend` then only switches between them.
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-layers';
import {
  type DetectedPoint,
  type DetectorModel,
  detect,
  evaluate,
  loadModel,
  modelForPixelPattern,
  projectionPicture,
  readPixelPattern,
  useBackend,
} from '@dmdet/pipeline';
import { simulateVolume } from '@dmdet/simulate';
import { percentiles, readTiff, type Volume, writePointsCsv } from '@dmdet/volume-io';

type BackendName = Parameters<typeof useBackend>[0];

/** What the page did, for people (on the page) and for the end-to-end test (on `window`). */
const state: {
  status: 'loading' | 'ready' | 'detecting' | 'done' | 'error';
  backend?: string;
  /** The built-in model used: `default`, or `scmos` for a stack with a camera's pixel pattern. */
  model?: 'default' | 'scmos';
  points?: DetectedPoint[];
  shape?: number[];
  seconds?: number;
  error?: string;
} = { status: 'loading' };
(window as unknown as { __dmdet: typeof state }).__dmdet = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
setWasmPaths(new URL('./tfjs-wasm/', document.baseURI).href);

function setStatus(text: string, status?: typeof state.status): void {
  $('status').textContent = text;
  if (status) state.status = status;
}

async function pickBackend(): Promise<string> {
  const wanted = params.get('backend');
  const order: BackendName[] = wanted ? [wanted as BackendName] : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const failures: string[] = [];
  for (const name of order) {
    try {
      return await useBackend(name);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend started: ${failures.join('; ')}`);
}

function draw(canvas: HTMLCanvasElement, pic: { width: number; height: number; data: Uint8Array }): void {
  canvas.width = pic.width;
  canvas.height = pic.height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(pic.width, pic.height);
  for (let i = 0, j = 0; i < pic.data.length; i += 3, j += 4) {
    img.data[j] = pic.data[i] as number;
    img.data[j + 1] = pic.data[i + 1] as number;
    img.data[j + 2] = pic.data[i + 2] as number;
    img.data[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function showSlice(volume: Volume, points: DetectedPoint[], z: number, zoom: number): void {
  const [, Y, X] = volume.shape;
  const slice = volume.data.subarray(z * Y * X, (z + 1) * Y * X);
  const [lo, hi] = percentiles(volume.data, [1, 99.8]) as [number, number];
  const canvas = $<HTMLCanvasElement>('slice');
  canvas.width = X * zoom;
  canvas.height = Y * zoom;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(X, Y);
  for (let i = 0; i < slice.length; i++) {
    const g = Math.max(0, Math.min(255, Math.round((((slice[i] as number) - lo) / (hi - lo || 1)) * 255)));
    img.data.set([g, g, g, 255], i * 4);
  }
  const tmp = document.createElement('canvas');
  tmp.width = X;
  tmp.height = Y;
  (tmp.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, X * zoom, Y * zoom);
  ctx.strokeStyle = '#ff00ff';
  for (const p of points) {
    if (Math.abs(p.z - z) > 1) continue;
    ctx.beginPath();
    ctx.arc((p.x + 0.5) * zoom, (p.y + 0.5) * zoom, 4, 0, 2 * Math.PI);
    ctx.stroke();
  }
  $('zlabel').textContent = String(z);
}

/** The built-in models, loaded when first needed (`default` at start). */
const detectors = new Map<'default' | 'scmos', DetectorModel>();
const MODEL_FOLDERS = { default: './model/model.json', scmos: './model-scmos/model.json' } as const;

async function builtInModel(name: 'default' | 'scmos'): Promise<DetectorModel> {
  const loaded =
    detectors.get(name) ?? (await loadModel(new URL(MODEL_FOLDERS[name], document.baseURI).href));
  detectors.set(name, loaded);
  return loaded;
}

async function run(
  volume: Volume,
  label: string,
  truth?: { x: number; y: number; z: number }[],
): Promise<void> {
  if (!detectors.has('default')) return;
  try {
    setStatus(`detecting in ${label} (${volume.shape.join('×')})…`, 'detecting');
    const started = performance.now();
    // As `dmdet detect` without --model: scmos for a stack with a camera's pixel pattern.
    const pattern = readPixelPattern(volume);
    const model = modelForPixelPattern(pattern);
    const { points } = await detect(volume, { model: await builtInModel(model) });
    const seconds = (performance.now() - started) / 1000;
    Object.assign(state, { points, shape: [...volume.shape], seconds, model });
    const zoom = volume.shape[2] < 256 ? 2 : 1;
    draw($('mip'), projectionPicture(volume, { detections: points, ...(truth ? { truth } : {}), zoom }));
    $('truthnote').textContent = truth ? ', truth in green' : '';
    const zInput = $<HTMLInputElement>('z');
    zInput.max = String(volume.shape[0] - 1);
    zInput.value = String(Math.floor(volume.shape[0] / 2));
    zInput.oninput = () => showSlice(volume, points, Number(zInput.value), zoom);
    showSlice(volume, points, Number(zInput.value), zoom);
    const csv = writePointsCsv(
      points.map(({ x, y, z, score }) => ({ x, y, z, score })),
      { columns: ['score'], ...(volume.voxelSize ? { voxelSize: volume.voxelSize } : {}) },
    );
    const button = $<HTMLButtonElement>('download');
    const href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    button.onclick = () => {
      const a = document.createElement('a');
      a.href = href;
      a.download = 'detections.csv';
      a.click();
    };
    button.hidden = false;
    const scores = truth ? evaluate(truth, points) : undefined;
    $('summary').textContent =
      `${points.length} particles in ${seconds.toFixed(1)} s` +
      (model === 'scmos'
        ? ` · model scmos: a camera pixel pattern, ${(pattern as number).toFixed(1)}× what the noise alone would give`
        : '') +
      (scores
        ? ` · F1 ${scores.f1.toFixed(3)}, RMSE ${scores.rmse.toFixed(2)} voxels against the truth`
        : '');
    setStatus(`${label}: ${points.length} particles`, 'done');
  } catch (e) {
    state.error = (e as Error).message;
    setStatus(`error: ${(e as Error).message}`, 'error');
  }
}

async function main(): Promise<void> {
  try {
    state.backend = await pickBackend();
    $('backend').textContent = state.backend;
    await builtInModel('default');
    setStatus('ready: drop a TIFF or try a simulated volume', 'ready');
  } catch (e) {
    state.error = (e as Error).message;
    setStatus(`error: ${(e as Error).message}`, 'error');
    return;
  }
  const readFile = async (file: File) => {
    try {
      await run(await readTiff(await file.arrayBuffer(), { file: file.name }), file.name);
    } catch (e) {
      state.error = (e as Error).message;
      setStatus(`error: ${(e as Error).message}`, 'error');
    }
  };
  $<HTMLInputElement>('file').onchange = (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) void readFile(f);
  };
  const drop = $('drop');
  drop.ondragover = (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer?.files[0];
    if (f) void readFile(f);
  };
  // ?simulate=<size> picks the in-plane size (default 256).
  const simulated = () => {
    const size = Math.max(32, Math.min(1024, Number(params.get('simulate')) || 256));
    const sim = simulateVolume({ shape: [10, size, size], snr: 2, density: 'medium', seed: 1 });
    return run(sim.volume, 'a simulated volume (SNR 2)', sim.points);
  };
  $('simulate').onclick = () => void simulated();
  // ?fixture=<url of a TIFF> (the end-to-end test) or ?simulate=<size> start at once.
  const fixture = params.get('fixture');
  if (fixture) {
    const res = await fetch(fixture);
    await run(await readTiff(await res.arrayBuffer(), { file: fixture }), fixture);
  } else if (params.get('simulate')) {
    await simulated();
  }
}

void main();
