/**
 * Annotated volumes as users have them, read for training: a folder of `<name>.tif` with its
 * annotations beside it (optionally in `train/` and `validation/` subfolders), a `dmdet-dataset`
 * manifest (or a simulated one), or a list of TIFF files; split into training and validation.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Point3 } from '@dmdet/metrics';
import { estimateSpotSize, type SpotSize } from '@dmdet/preprocess';
import { type AnnotationFormat, cropVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { readAnnotationsFile, readTiffFile, readTiffFileInfo } from '@dmdet/volume-io/node';
import { type AnnotatedRegion, checkRegion } from './annotated-region';
import { PipelineError } from './errors';
import { readDataset } from './node';
import type { LabeledVolume } from './train-detector';

/** The manifest format for users' annotated volumes (`format: 'dmdet-dataset'`). */
export interface UserDatasetManifest {
  format: 'dmdet-dataset';
  version: 1;
  /** Voxel size in µm `[z, y, x]` for volumes whose TIFF does not record one (needed for µm annotations). */
  voxelSize?: Vec3;
  volumes: UserManifestVolume[];
}

/** One volume of a {@link UserDatasetManifest}. Paths are relative to the manifest. */
export interface UserManifestVolume {
  /** The TIFF. */
  image: string;
  /** Its annotations (any layout `readAnnotations` knows). */
  points: string;
  /** `train` or `validation` (`test` volumes are skipped by training); default: split automatically. */
  split?: 'train' | 'validation' | 'test';
  /** The annotations' layout; default told from the file. */
  annotationFormat?: 'auto' | AnnotationFormat;
  /** Units of the annotations when the file does not say (`px` or `um`). */
  units?: 'px' | 'um';
  /** Voxel size in µm `[z, y, x]`, overriding the TIFF's and the manifest's. */
  voxelSize?: Vec3;
  /** Time point and channel (0-based) of a hyperstack. */
  time?: number;
  channel?: number;
  /** The annotated part of the volume; default all of it. */
  region?: AnnotatedRegion;
  /** Spot size (σ, voxels); default estimated. */
  spotSize?: SpotSize;
}

/** Options of {@link readTrainingData}. */
export interface ReadTrainingDataOptions {
  /** Voxel size in µm `[z, y, x]` for every volume whose TIFF (or manifest) gives none. */
  voxelSize?: Vec3;
  /** Units of the annotations when a file does not say. */
  units?: 'px' | 'um';
  /** Layout of every annotation file. Default told from each file. */
  annotationFormat?: 'auto' | AnnotationFormat;
  /** Time point and channel (0-based) of hyperstacks. */
  time?: number;
  channel?: number;
  /** Annotated region of every volume (files and folders; a manifest gives its own). */
  region?: AnnotatedRegion;
  /** Fraction of volumes held out for validation when nothing says which (3 volumes or more). Default 0.2. */
  validationFraction?: number;
  /** Seed of that choice. Default 0. */
  seed?: number;
  /**
   * `false`: where nothing says which volumes are for validation, hold none out and cut none into
   * blocks: every volume whole in `train` (split `'none'`), as for choosing a threshold without
   * training. A manifest's or folders' own split is kept. Default true.
   */
  holdOut?: boolean;
}

/** How the volumes were split into training and validation. */
export type TrainingSplit = 'folders' | 'manifest' | 'volumes' | 'blocks' | 'none';

/** What {@link readTrainingData} read. */
export interface TrainingData {
  train: LabeledVolume[];
  validation: LabeledVolume[];
  split: TrainingSplit;
  /** One line per volume: its files, shape, points, and how its annotations were read. */
  log: string[];
}

const TIFF = /\.tiff?$/i;
const ANNOTATION_SUFFIXES = ['.csv', '.points.csv', '.xml'];

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The annotation file beside a TIFF: `<name>.csv`, `<name>.points.csv` or `<name>.xml` (exactly one). */
async function annotationsBeside(image: string): Promise<string> {
  const stem = join(dirname(image), basename(image, extname(image)));
  const found: string[] = [];
  for (const suffix of ANNOTATION_SUFFIXES) if (await isFile(stem + suffix)) found.push(stem + suffix);
  if (found.length === 0)
    throw new PipelineError(
      'NOT_FOUND',
      `${image}: no annotations beside it; expected one of ${ANNOTATION_SUFFIXES.map((s) => basename(stem) + s).join(', ')}`,
    );
  if (found.length > 1)
    throw new PipelineError(
      'INVALID_INPUT',
      `${image}: more than one annotation file beside it (${found.map((f) => basename(f)).join(', ')}); keep one, or list the pairs in a dmdet-dataset manifest`,
    );
  return found[0] as string;
}

async function tiffsIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => TIFF.test(n)).sort();
  return names.map((n) => join(dir, n));
}

/** Reads one annotated volume; points outside the volume are refused (usually wrong units or voxel size). */
async function readPair(
  spec: UserManifestVolume & { image: string; points: string },
  defaults: ReadTrainingDataOptions,
): Promise<{ item: LabeledVolume; line: string }> {
  const info = await readTiffFileInfo(spec.image);
  const time = spec.time ?? defaults.time;
  const channel = spec.channel ?? defaults.channel;
  if (info.channels > 1 && channel === undefined)
    throw new PipelineError(
      'INVALID_INPUT',
      `${spec.image}: has ${info.channels} channels (0–${info.channels - 1}); say which one holds the spots (--channel N, or "channel" in the manifest)`,
    );
  if (info.frames > 1 && time === undefined)
    throw new PipelineError(
      'INVALID_INPUT',
      `${spec.image}: has ${info.frames} time points (0–${info.frames - 1}); say which one was annotated (--time N, or "time" in the manifest)`,
    );
  const volume = await readTiffFile(spec.image, {
    ...(time !== undefined ? { time } : {}),
    ...(channel !== undefined ? { channel } : {}),
  });
  const voxelSize = spec.voxelSize ?? volume.voxelSize ?? defaults.voxelSize;
  const units = spec.units ?? defaults.units;
  const format = spec.annotationFormat ?? defaults.annotationFormat;
  let annotations: Awaited<ReturnType<typeof readAnnotationsFile>>;
  try {
    annotations = await readAnnotationsFile(spec.points, {
      ...(format ? { format } : {}),
      ...(voxelSize ? { voxelSize } : {}),
      ...(units ? { units } : {}),
      ...(time !== undefined ? { time } : {}),
      ...(channel !== undefined ? { channel } : {}),
    });
  } catch (e) {
    const message = (e as Error).message;
    throw new PipelineError(
      'INVALID_INPUT',
      /voxel ?size/i.test(message) && !voxelSize
        ? `${message}. ${spec.image} records no voxel size: give it with --voxel-size z,y,x (µm) or "voxelSize" in the manifest`
        : message,
      { cause: e },
    );
  }
  const [Z, Y, X] = volume.shape;
  const points: Point3[] = annotations.points.map(({ x, y, z }) => ({ x, y, z }));
  const outside = points.filter(
    (p) => p.z < -0.5 || p.y < -0.5 || p.x < -0.5 || p.z > Z - 0.5 || p.y > Y - 0.5 || p.x > X - 0.5,
  );
  if (outside.length > 0) {
    const p = outside[0] as Point3;
    throw new PipelineError(
      'INVALID_INPUT',
      `${spec.points}: ${outside.length} of ${points.length} points lie outside ${spec.image} (${Z}×${Y}×${X} voxels), e.g. x ${p.x.toFixed(1)}, y ${p.y.toFixed(1)}, z ${p.z.toFixed(1)}; read as ${annotations.description}. Wrong units or voxel size? (--annotation-units, --voxel-size)`,
    );
  }
  const region = spec.region ?? defaults.region;
  const id = basename(spec.image, extname(spec.image));
  if (region) checkRegion(region, volume.shape, spec.image);
  const item: LabeledVolume = {
    id,
    volume,
    points,
    ...(region ? { region } : {}),
    ...(spec.spotSize ? { spotSize: spec.spotSize } : {}),
  };
  const line = `${id}: ${Z}×${Y}×${X}, ${points.length} points (${annotations.description})${region ? `, annotated region z ${region.z.join(':')} y ${region.y.join(':')} x ${region.x.join(':')}` : ''}`;
  return { item, line };
}

/** A seeded shuffle (mulberry32), so the same data always split the same way. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Cuts a volume in two along its longer in-plane axis, inside its annotated region: the first
 * three quarters of the region (and everything before) for training, the rest for validation.
 * The spot size is estimated on the whole volume first, so both pieces keep it. Widths are
 * multiples of 8 voxels where the volume allows.
 */
export function splitIntoBlocks(item: LabeledVolume): { train: LabeledVolume; validation: LabeledVolume } {
  const shape = item.volume.shape;
  const axis = shape[2] >= shape[1] ? 2 : 1;
  const name = axis === 2 ? 'x' : 'y';
  const n = shape[axis] as number;
  const [r0, r1] = item.region ? item.region[name] : [0, n];
  let cut = r0 + Math.round((0.75 * (r1 - r0)) / 8) * 8;
  cut = Math.min(Math.max(cut, r0 + 8), r1 - 8);
  if (r1 - r0 < 24 || cut <= 0 || cut >= n)
    throw new PipelineError(
      'INVALID_INPUT',
      `${item.id ?? 'volume'}: too small to split into a training and a validation block (annotated ${name} extent ${r1 - r0} voxels, at least 24 needed); give a second volume or a validation folder`,
    );
  const spotSize = item.spotSize ?? estimateSpotSize(item.volume);
  const piece = (from: number, to: number, suffix: string): LabeledVolume => {
    const start = [0, 0, 0] as [number, number, number];
    const size = [...shape] as [number, number, number];
    start[axis] = from;
    size[axis] = to - from;
    const volume = cropVolume(item.volume, start, size) as Volume;
    const key = axis === 2 ? 'x' : 'y';
    const points = item.points
      .filter((p) => p[key] >= from - 0.5 && p[key] < to - 0.5)
      .map((p) => ({ ...p, [key]: p[key] - from }));
    const region = item.region
      ? {
          ...item.region,
          [name]: [
            Math.max(item.region[name][0], from) - from,
            Math.min(item.region[name][1], to) - from,
          ] as const,
        }
      : undefined;
    return {
      id: `${item.id ?? 'volume'}${suffix}`,
      volume,
      points,
      ...(region ? { region } : {}),
      ...(spotSize && Number.isFinite(spotSize.z) ? { spotSize: { xy: spotSize.xy, z: spotSize.z } } : {}),
    };
  };
  return { train: piece(0, cut, `[${name}<${cut}]`), validation: piece(cut, n, `[${name}>=${cut}]`) };
}

/**
 * Reads annotated volumes for training from a folder, a manifest or a list of TIFF files:
 *
 * - a folder of `<name>.tif` (or `.tiff`) each with `<name>.csv`, `<name>.points.csv` or
 *   `<name>.xml` beside it; with `train/` and `validation/` (or `val/`) subfolders those are the split;
 * - a `dmdet-dataset` manifest ({@link UserDatasetManifest}), or a simulated `dmdet-simulated-dataset` one;
 * - TIFF files, each with its annotations beside it.
 *
 * Without a split given, three or more volumes are split by volume (a fifth, at least one, for
 * validation); one or two volumes are each cut into a training and a validation block
 * ({@link splitIntoBlocks}). Annotations are read by `readAnnotationsFile` (every layout it knows)
 * and converted with the voxel size; a point outside its volume is refused.
 *
 * @example
 * const { train, validation, split, log } = await readTrainingData('my-stacks/', { voxelSize: [0.3, 0.1, 0.1] });
 */
export async function readTrainingData(
  source: string | readonly string[],
  options: ReadTrainingDataOptions = {},
): Promise<TrainingData> {
  const sources = typeof source === 'string' ? [source] : [...source];
  if (sources.length === 0) throw new PipelineError('INVALID_INPUT', 'no training data given');
  const fraction = options.validationFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1))
    throw new PipelineError('INVALID_OPTION', `validationFraction must be in (0, 1), got ${fraction}`);
  const log: string[] = [];
  const read = async (specs: (UserManifestVolume & { image: string; points: string })[]) => {
    const out: { item: LabeledVolume; split?: UserManifestVolume['split'] }[] = [];
    for (const spec of specs) {
      const { item, line } = await readPair(spec, options);
      log.push(line);
      out.push({ item, ...(spec.split ? { split: spec.split } : {}) });
    }
    return out;
  };
  const only = sources.length === 1 ? (sources[0] as string) : undefined;
  let items: { item: LabeledVolume; split?: UserManifestVolume['split'] }[];
  if (only && /\.json$/i.test(only)) {
    const manifest = await readManifest(only);
    if (manifest.format === 'dmdet-simulated-dataset') {
      const d = await readDataset(only, { splits: ['train', 'validation'] });
      log.push(
        `${only}: simulated dataset, ${d.train.length} training and ${d.validation.length} validation volumes`,
      );
      return { train: d.train, validation: d.validation, split: 'manifest', log };
    }
    const root = dirname(only);
    items = await read(
      manifest.volumes.map((v) => ({
        ...v,
        image: resolve(root, v.image),
        points: resolve(root, v.points),
        ...((v.voxelSize ?? manifest.voxelSize)
          ? { voxelSize: (v.voxelSize ?? manifest.voxelSize) as Vec3 }
          : {}),
      })),
    );
    if (items.some((i) => i.split)) {
      if (items.some((i) => !i.split))
        throw new PipelineError(
          'INVALID_INPUT',
          `${only}: give every volume a split, or none (then it is chosen)`,
        );
      const validation = items.filter((i) => i.split === 'validation').map((i) => i.item);
      items = items.filter((i) => i.split === 'train');
      if (items.length === 0)
        throw new PipelineError('INVALID_INPUT', `${only}: no volume has split "train"`);
      if (validation.length > 0)
        return { train: items.map((i) => i.item), validation, split: 'manifest', log };
    }
  } else if (only && (await isDirectory(only))) {
    const trainDir = join(only, 'train');
    if (await isDirectory(trainDir)) {
      const validationDir = (await isDirectory(join(only, 'validation')))
        ? join(only, 'validation')
        : (await isDirectory(join(only, 'val')))
          ? join(only, 'val')
          : undefined;
      const pairs = async (dir: string) =>
        Promise.all(
          (await tiffsIn(dir)).map(async (image) => ({ image, points: await annotationsBeside(image) })),
        );
      const train = (await read(await pairs(trainDir))).map((i) => i.item);
      if (train.length === 0) throw new PipelineError('NOT_FOUND', `${trainDir}: no .tif files`);
      if (validationDir) {
        const validation = (await read(await pairs(validationDir))).map((i) => i.item);
        return { train, validation, split: 'folders', log };
      }
      items = train.map((item) => ({ item }));
    } else {
      const images = await tiffsIn(only);
      if (images.length === 0)
        throw new PipelineError('NOT_FOUND', `${only}: no .tif files (and no train/ subfolder)`);
      items = await read(
        await Promise.all(images.map(async (image) => ({ image, points: await annotationsBeside(image) }))),
      );
    }
  } else {
    for (const s of sources)
      if (!TIFF.test(s))
        throw new PipelineError(
          'INVALID_INPUT',
          `${s}: expected a folder, a manifest (.json) or TIFF files (.tif, .tiff)`,
        );
    items = await read(
      await Promise.all(sources.map(async (image) => ({ image, points: await annotationsBeside(image) }))),
    );
  }
  const all = items.map((i) => i.item);
  if (options.holdOut === false) return { train: all, validation: [], split: 'none', log };
  if (all.length >= 3) {
    const held = Math.max(1, Math.round(fraction * all.length));
    const order = shuffled(
      all.map((_, i) => i),
      options.seed ?? 0,
    );
    const validationIds = new Set(order.slice(0, held));
    return {
      train: all.filter((_, i) => !validationIds.has(i)),
      validation: all.filter((_, i) => validationIds.has(i)),
      split: 'volumes',
      log,
    };
  }
  const blocks = all.map(splitIntoBlocks);
  return {
    train: blocks.map((b) => b.train),
    validation: blocks.map((b) => b.validation),
    split: 'blocks',
    log,
  };
}

async function readManifest(
  path: string,
): Promise<UserDatasetManifest | { format: 'dmdet-simulated-dataset' }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PipelineError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT',
      code === 'ENOENT' ? `${path}: no such file` : `${path}: not JSON (${(e as Error).message})`,
      { cause: e },
    );
  }
  const m = json as Partial<UserDatasetManifest> & { format?: string };
  if ((m?.format as string) === 'dmdet-simulated-dataset') return { format: 'dmdet-simulated-dataset' };
  if (m?.format !== 'dmdet-dataset' || !Array.isArray(m.volumes))
    throw new PipelineError(
      'INVALID_INPUT',
      `${path}: expected a manifest with "format": "dmdet-dataset" and a "volumes" list (or a simulated "dmdet-simulated-dataset")`,
    );
  m.volumes.forEach((v, i) => {
    if (typeof v?.image !== 'string' || typeof v.points !== 'string')
      throw new PipelineError(
        'INVALID_INPUT',
        `${path}: volumes[${i}] needs "image" and "points" (paths relative to the manifest)`,
      );
    if (v.split !== undefined && !['train', 'validation', 'test'].includes(v.split))
      throw new PipelineError(
        'INVALID_INPUT',
        `${path}: volumes[${i}].split must be train, validation or test, got ${JSON.stringify(v.split)}`,
      );
  });
  return m as UserDatasetManifest;
}
