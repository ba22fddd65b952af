import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Point3 } from '@dmdet/metrics';
import { TEST_TIME_FLIPS, type TestTimeFlips } from '@dmdet/model';
import {
  createVolume,
  DETECTION_FORMATS,
  type DetectionFormat,
  type PointRecord,
  type Vec3,
  type Volume,
} from '@dmdet/volume-io';
import {
  isZarrFolder,
  openOmeZarrFile,
  readAnnotationsFile,
  readTiffFile,
  readTiffFileInfo,
  writeDetectionsFile,
} from '@dmdet/volume-io/node';
import { type DetectedPoint, type DetectResult, detect } from '../detect';
import { blockMargin, DEFAULT_DETECT_BLOCK, detectInBlocks } from '../detect-blocks';
import { PipelineError } from '../errors';
import { evaluate } from '../evaluate';
import { blockVoxels, DEFAULT_MAX_MEMORY, holdsSecondMap, tileVoxelsForMemory } from '../memory-budget';
import { encodePng, projectionPicture } from '../picture';
import { modelForPixelPattern, readPixelPattern } from '../pixel-pattern';
import type { UsedSpotSize } from '../spot-scale';
import { numberOption, pairOption, parse, tripleOption, UsageError } from './args';
import { describeClippedInput } from './describe-clipped';
import { describeDecoy } from './describe-decoy';
import { describeBrightPass, describeRaisedKnee, modelKnee } from './describe-knee';
import { describeMissingVoxels } from './describe-missing';
import { describeThreshold } from './describe-threshold';
import { ModelSlot } from './model-slot';
import type { CliIo } from './progress';
import { Progress } from './progress';
import { COMPUTE_OPTIONS, checkWritable, startBackend } from './runtime';

export const DETECT_HELP = `Usage: dmdet detect <volume.tif | image.ome.zarr …> [options]

Detects particles in 3D TIFF stacks or OME-Zarr folders (NGFF 0.4 / 0.5) and writes one file per
input. In a time series (ImageJ hyperstack, OME-TIFF, OME-Zarr) it detects in every time point and adds a t column (0-based); a file with
several channels needs --channel.

Columns of the default format (dmdet):
  x, y, z        position in voxels (0-based, sub-voxel; the centre of voxel (z, y, x) is at z, y, x)
  t, c           time point and channel (0-based), in a time series / with --channel all
  score          the predicted density at the maximum (0–1; kept at the threshold and above)
  intensity      the raw value of the voxel nearest the position (the file's counts)
  background     local background: median of the voxels 3–5 spot σ away
  noise          local noise: 1.4826 × the MAD of those voxels
  integrated     sum of (value − background) within 2 spot σ (about 74 % of a Gaussian spot)
  snr            (intensity − background) / noise
  fit_sigma_xy, fit_sigma_z, fit_amplitude   with --fit: a 3D Gaussian fitted around the spot
                 (σ in voxels, amplitude above its background; empty where the fit fails)
  x_um, y_um, z_um  the position in µm, when the voxel size is known

Options:
  --model <dir|name>        model folder (model.json + weights.bin), or a built-in model by name:
                            default (= general: any microscope), tissue (the general model
                            fine-tuned on granular, autofluorescent cells: better there, a little
                            worse on faint spots elsewhere), scmos (the general model
                            fine-tuned with sCMOS pixel patterns), ptc-virus (the Particle
                            Tracking Challenge's virus scenario only). Without --model: default,
                            or scmos for a stack whose camera pixel pattern reads above 1.5× what
                            its noise alone would give (printed, and model in --json)
  --out <file|dir>          output CSV (one input) or folder (several inputs);
                            default <name>.detections.csv next to each input
  --threshold <t>           detection threshold on the density map, 0–1 (default: the model's;
                            one that follows the volume's signal where the model has a threshold rule)
  --voxel-size <z,y,x>      voxel size in µm (default: from the TIFF's ImageJ/OME metadata)
  --spot-size <xy,z>        the spots' Gaussian σ in voxels (in-plane px, z slices); the volume is
                            resampled to the model's spot scale (default: estimated from the volume)
  --spot-size-um <xy,z>     the same in µm (needs the voxel size)
  --min-distance <xy,z>     least distance between two detections at the model's scale, in-plane
                            px and slices: a detection dominates ±xy px and ±z slices (default
                            1,1: a 3×3×3 window; 2,1 merges close pairs as versions before did)
  --level <n>               OME-Zarr resolution level (default 0: full resolution)
  --block <z,y,x>           detect block by block with this core size, reading only each block and
                            its margin (default 32,512,512 for volumes too large to hold whole
                            within --max-memory, and always above 33 M voxels)
  --time <t|a-b|all>        time points to detect in (0-based, a-b inclusive; default all)
  --channel <c|all>         channel holding the spots (0-based), or all (a c column); required
                            when the file has several channels
  --format <name>           dmdet (default, above); napari (index,axis-0..2 in z,y,x voxels, a 4D
                            layer with t first, the measurements as properties); spotiflow
                            (z,y,x,intensity,probability[,t]); trackmate (its spot table: µm,
                            POSITION_T = FRAME, QUALITY = score); ptc (Particle Tracking Challenge
                            XML, .xml, voxels)
  --fit                     also fit a 3D Gaussian to each spot (fit_* columns)
  --flips <1|2|4|8>         average the maps of the volume mirrored and rotated in-plane this many
                            ways (test-time augmentation; each costs one more prediction; default:
                            the model's, 4 for the default model; 1 is fastest)
  --input-knee <σ>          compress the input above this many noise σ, fixed (default: the model's:
                            20, raised for very bright spots to their peak / 25; printed when raised)
  --no-bright-pass          one detection pass only (default: in a volume whose spots peak at 40
                            noise σ or more, the default model predicts a second map at a 4×
                            higher input knee and adds its detections far from the first's; the
                            brightest spots then keep their shape; printed when it runs)
  --no-decoy                skip the decoy check (default: in a cluttered volume, the default model
                            also predicts the map of the volume mirrored about its background and
                            raises the threshold until few of that map's maxima pass it: grains
                            symmetric about the background pass it as often; printed when it runs)
  --keep-axial-ghosts       keep detections that the model's rule takes for a brighter spot's
                            axial tail (a few slices along z, under a quarter of its contrast;
                            the default model drops them and says how many)
  --png                     also write a picture: max projection with detections (.png beside the
                            CSV; of a series or a multi-channel file one per frame, named for its time
                            point and channel: <name>.t3.c1.png)
  --truth <gt.csv>          ground truth (one input): prints F1/RMSE, drawn in the picture in green;
                            any layout dmdet train reads (x,y,z, napari, Spotiflow, Fiji, TrackMate, PTC XML)
  --annotation-units <px|um>  units of a --truth file that does not say (a Fiji Measure table)
  --backend <name>          auto (default), wasm, cpu, tensorflow, tensorflow-gpu
  --workers <n>             worker threads for prediction (default: one per core)
  --max-tile-voxels <n>     largest tile predicted at once (default: as large as --max-memory
                            allows, at most 2621440 = 10×512×512)
  --max-memory <MiB>        bound on the memory detection holds (default 1536): sizes the tiles
                            (about 160 bytes per tile voxel per worker) and decides whole or block
                            by block; a warning says when even the smallest tiles would exceed it
  --force                   replace existing outputs
  --json                    print results as JSON
  --quiet                   no progress

Examples:
  dmdet detect cells.tif --png
  dmdet detect data/*.tif --out detections/ --threshold 0.4
  dmdet detect stack.tif --model my-model --voxel-size 0.3,0.1,0.1 --out stack.csv
  dmdet detect timelapse.tif --channel 1 --time 2-10 --png
  dmdet detect cells.tif --format napari --out cells.points.csv   # napari: File ▸ Open
`;

const stem = (path: string) =>
  basename(path.replace(/[/\\]+$/, ''), extname(path.replace(/[/\\]+$/, ''))).replace(/\.ome$/i, '');

/** The measurement columns of every detection (`measureSpots`), and those of `--fit`. */
const MEASUREMENT_COLUMNS = ['score', 'intensity', 'background', 'noise', 'integrated', 'snr'];
const FIT_COLUMNS = ['fit_sigma_xy', 'fit_sigma_z', 'fit_amplitude'];

/** `--time`: one time point, an inclusive range `a-b`, or `all` (0-based). */
type TimeOption = { from: number; to: number } | 'all' | undefined;

function parseTimeOption(value: unknown): TimeOption {
  if (value === undefined || value === 'all') return value as 'all' | undefined;
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(String(value));
  const from = m ? Number(m[1]) : Number.NaN;
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  if (!m || to < from)
    throw new UsageError(
      `--time must be a time point t, a range a-b (0-based, inclusive) or all, got ${JSON.stringify(value)}`,
      'detect',
    );
  return { from, to };
}

function parseChannelOption(value: unknown): number | 'all' | undefined {
  if (value === undefined || value === 'all') return value as 'all' | undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || String(value).trim() === '')
    throw new UsageError(
      `--channel must be a channel index (0-based) or all, got ${JSON.stringify(value)}`,
      'detect',
    );
  return n;
}

/** An input file: a TIFF or an OME-Zarr folder, its time points, channels and voxel size, and a reader. */
interface Input {
  shape: Vec3;
  frames: number;
  channels: number;
  voxelSize?: Vec3;
  read(t: number, c: number): Promise<Volume>;
  /** A region of a frame: only its chunks (OME-Zarr) or its pages' strips and tiles (TIFF) are read. */
  region?: (t: number, c: number, start: Vec3, size: Vec3) => Promise<Volume>;
}

/** What `detect` or `detectInBlocks` returns for one frame, as this command uses it. */
interface FrameResult
  extends Partial<
    Pick<
      DetectResult,
      'ruleThreshold' | 'clutter' | 'clutterRaise' | 'clutterRaiseDropped' | 'valley' | 'valleyShift'
    >
  > {
  decoy?:
    | { decoys: number; maxima: number; raise: number; dropped?: number }
    | { blocks: number; raised: number };
  points: DetectedPoint[];
  threshold: number;
  thresholdSource: DetectResult['thresholdSource'];
  signal?: number;
  axialGhosts: number;
  blockThresholds?: number[];
  inputKnee?: number;
  spotPeak?: number;
  blockKnees?: number[];
  brightPass?: { knee?: number; threshold?: number; added: number; blocks?: number };
  clippedInput?: { value: number; fraction: number };
  clippedBlocks?: number;
  missingVoxels?: { nonFinite: number; padding: number; paddingValue?: number; fraction: number };
  missingBlocks?: number;
  pixelPattern?: number;
  tiles: number;
  flips: TestTimeFlips;
  spotSize?: UsedSpotSize;
  resampling?: { to: Vec3 };
  warnings: string[];
  blocks?: number;
}

/** Volumes above this many voxels are always detected in block by block (`detectInBlocks`), read a region at a time. */
const BLOCKS_ABOVE = 2 ** 25;

async function openInput(path: string, level: number | undefined): Promise<Input> {
  if (await isZarrFolder(path)) {
    const image = await openOmeZarrFile(path, level === undefined ? {} : { level });
    return {
      ...image.info,
      read: (time, channel) => image.read({ time, channel }),
      region: (time, channel, start, size) => image.read({ time, channel, start, size }),
    };
  }
  if (level !== undefined)
    throw new UsageError(`--level is for OME-Zarr inputs; ${path} is not a Zarr folder`, 'detect');
  const info = await readTiffFileInfo(path);
  return {
    ...info,
    read: (time, channel) => readTiffFile(path, { time, channel }),
    region: (time, channel, start, size) => readTiffFile(path, { time, channel, start, size }),
  };
}

/** The frames (time point, channel) of one file that detection runs on, and the columns that say which. */
interface FramePlan {
  input: Input;
  frames: { t: number; c: number }[];
  timePoints: number;
  channels: number;
  timeColumn: boolean;
  channelColumn: boolean;
}

/**
 * Plans a file's frames: every time point unless `--time` picks some; a file with several channels
 * needs `--channel` (refused otherwise, listing them); never a silent first frame.
 */
async function planFrames(
  path: string,
  time: TimeOption,
  channel: number | 'all' | undefined,
  level: number | undefined,
): Promise<FramePlan> {
  const info = await openInput(path, level);
  const T = info.frames;
  const C = info.channels;
  if (C > 1 && channel === undefined)
    throw new PipelineError(
      'INVALID_INPUT',
      `${path}: has ${C} channels (${Array.from({ length: C }, (_, i) => i).join(', ')}; 0-based); say which holds the spots with --channel N, or --channel all for each (a c column)`,
    );
  if (typeof channel === 'number' && channel >= C)
    throw new PipelineError(
      'INVALID_INPUT',
      `${path}: --channel ${channel}, but it has ${C} channel${C === 1 ? '' : 's'} (0–${C - 1})`,
    );
  if (time && time !== 'all' && time.to >= T)
    throw new PipelineError(
      'INVALID_INPUT',
      `${path}: --time ${time.from === time.to ? time.from : `${time.from}-${time.to}`}, but it has ${T} time point${T === 1 ? '' : 's'} (0–${T - 1})`,
    );
  const times =
    time && time !== 'all'
      ? Array.from({ length: time.to - time.from + 1 }, (_, i) => time.from + i)
      : Array.from({ length: T }, (_, i) => i);
  const channels = channel === 'all' ? Array.from({ length: C }, (_, i) => i) : [channel ?? 0];
  return {
    input: info,
    frames: times.flatMap((t) => channels.map((c) => ({ t, c }))),
    timePoints: T,
    channels: C,
    timeColumn: T > 1 || (time !== undefined && time !== 'all'),
    channelColumn: channel === 'all',
  };
}

function frameLabel(plan: FramePlan, t: number, c: number, sep = ' '): string {
  const parts = [];
  if (plan.timePoints > 1 || plan.timeColumn) parts.push(`t${sep}${t}`);
  if (plan.channelColumn || plan.channels > 1) parts.push(`c${sep}${c}`);
  return parts.join(sep === '' ? '.' : ', ');
}

export async function detectCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('detect', argv, {
    model: { type: 'string' },
    out: { type: 'string' },
    threshold: { type: 'string' },
    'voxel-size': { type: 'string' },
    'spot-size': { type: 'string' },
    'min-distance': { type: 'string' },
    'spot-size-um': { type: 'string' },
    png: { type: 'boolean' },
    truth: { type: 'string' },
    'annotation-units': { type: 'string' },
    time: { type: 'string' },
    channel: { type: 'string' },
    format: { type: 'string' },
    fit: { type: 'boolean' },
    'keep-axial-ghosts': { type: 'boolean' },
    'no-bright-pass': { type: 'boolean' },
    'no-decoy': { type: 'boolean' },
    flips: { type: 'string' },
    'input-knee': { type: 'string' },
    level: { type: 'string' },
    block: { type: 'string' },
    'max-tile-voxels': { type: 'string' },
    'max-memory': { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...COMPUTE_OPTIONS,
  });
  if (values['help']) {
    io.stdout.write(DETECT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one TIFF volume to detect in', 'detect');
  const threshold = numberOption('detect', 'threshold', values['threshold'], { min: 0.001, max: 0.999 });
  const voxelSize = tripleOption('detect', 'voxel-size', values['voxel-size'], { positive: true });
  const maxTileVoxels = numberOption('detect', 'max-tile-voxels', values['max-tile-voxels'], {
    integer: true,
    min: 4096,
  });
  const maxMemoryMiB = numberOption('detect', 'max-memory', values['max-memory'], { min: 64 });
  const maxMemory = maxMemoryMiB !== undefined ? maxMemoryMiB * 2 ** 20 : DEFAULT_MAX_MEMORY;
  const spotVoxels = pairOption('detect', 'spot-size', values['spot-size']);
  const spotUm = pairOption('detect', 'spot-size-um', values['spot-size-um']);
  if (spotVoxels && spotUm) throw new UsageError('give --spot-size or --spot-size-um, not both', 'detect');
  const spotSize = spotVoxels ?? (spotUm ? { ...spotUm, unit: 'um' as const } : undefined);
  const minDistance = minDistanceOption(values['min-distance']);
  const truthPath = values['truth'] as string | undefined;
  if (truthPath && positionals.length > 1)
    throw new UsageError('--truth goes with a single input volume', 'detect');
  const units = values['annotation-units'] as string | undefined;
  if (units !== undefined && units !== 'px' && units !== 'um')
    throw new UsageError(`--annotation-units must be px or um, got ${JSON.stringify(units)}`, 'detect');
  const format = (values['format'] as string | undefined) ?? 'dmdet';
  if (!DETECTION_FORMATS.includes(format as DetectionFormat))
    throw new UsageError(
      `--format must be one of ${DETECTION_FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
      'detect',
    );
  const ext = format === 'ptc' ? '.xml' : '.csv';
  const fit = values['fit'] === true;
  const keepGhosts = values['keep-axial-ghosts'] === true;
  const onePass = values['no-bright-pass'] === true;
  const noDecoy = values['no-decoy'] === true;
  const flipsText = values['flips'] as string | undefined;
  const flips = flipsText === undefined ? undefined : (Number(flipsText) as TestTimeFlips);
  if (flips !== undefined && !(/^\d+$/.test(flipsText ?? '') && TEST_TIME_FLIPS.includes(flips)))
    throw new UsageError(`--flips must be 1, 2, 4 or 8, got ${JSON.stringify(flipsText)}`, 'detect');
  const inputKnee = numberOption('detect', 'input-knee', values['input-knee'], { min: 1 });
  const level = numberOption('detect', 'level', values['level'], { integer: true, min: 0 });
  const block = tripleOption('detect', 'block', values['block'], { integer: true, positive: true });
  const timeOption = parseTimeOption(values['time']);
  const channelOption = parseChannelOption(values['channel']);
  const force = values['force'] === true;
  const out = values['out'] as string | undefined;
  // --out is a folder with several inputs, when it ends with a slash, or when it is one already.
  const intoFolder =
    out !== undefined &&
    (positionals.length > 1 ||
      out.endsWith('/') ||
      (await stat(out).then(
        (s) => s.isDirectory(),
        () => false,
      )));
  const outputs = positionals.map((input) => {
    const csv = out
      ? intoFolder
        ? join(out, `${stem(input)}${ext}`)
        : out
      : join(input, '..', `${stem(input)}.detections${ext}`);
    return { input, csv, png: values['png'] ? `${csv.replace(/\.(csv|xml)$/i, '')}.png` : undefined };
  });
  // Refuse before any work: nothing a user has is overwritten without --force.
  for (const o of outputs) {
    await checkWritable(o.csv, force);
    if (o.png) await checkWritable(o.png, force);
  }
  // The truth in any annotation layout (plain, napari, Spotiflow, Fiji, TrackMate, PTC XML), µm
  // converted with the volume's voxel size.
  let truth: Point3[] | undefined;
  if (truthPath) {
    const info = await openInput(positionals[0] as string, level);
    const size = voxelSize ?? info.voxelSize;
    truth = (
      await readAnnotationsFile(truthPath, {
        ...(size ? { voxelSize: size } : {}),
        ...(units ? { units: units as 'px' | 'um' } : {}),
      })
    ).points.map(({ x, y, z }) => ({ x, y, z }));
  }
  const { backend, workers } = await startBackend('detect', values);
  // Which time points and channels of each file: decided (and refused) before any work.
  const plans = new Map<string, FramePlan>();
  for (const o of outputs) plans.set(o.input, await planFrames(o.input, timeOption, channelOption, level));
  if (truthPath && (plans.get(positionals[0] as string) as FramePlan).frames.length > 1)
    throw new UsageError(
      '--truth goes with one time point and channel: add --time t (and --channel c)',
      'detect',
    );
  // Without --model: the default model, or `scmos` for a stack with a camera's pixel pattern
  // (modelForPixelPattern); a series starts each frame with the model the frame before used.
  const givenModel = values['model'] as string | undefined;
  const models = new ModelSlot(backend, workers);
  let modelName = givenModel ?? 'default';
  const baseKnee = inputKnee ?? modelKnee((await models.load(modelName)).metadata.normalization);
  // The flags that decide the threshold and whether a second map is predicted (decoy, bright pass):
  // given to detect and to the memory plan alike.
  const passFlags = {
    ...(threshold !== undefined ? { threshold } : {}),
    ...(onePass ? { brightPass: false as const } : {}),
    ...(noDecoy ? { decoy: false } : {}),
    ...(inputKnee !== undefined ? { inputKnee } : {}),
  };
  const quiet = values['quiet'] === true || values['json'] === true;
  const results = [];
  try {
    for (const o of outputs) {
      const started = Date.now();
      const plan = plans.get(o.input) as FramePlan;
      const rows: Record<string, number>[] = [];
      const frames = [];
      let voxelSizeUsed: Vec3 | undefined;
      let spotSigma: number | undefined;
      let shape: Vec3 | undefined;
      for (const [k, { t, c }] of plan.frames.entries()) {
        const frameStarted = Date.now();
        const input = plan.input;
        const where =
          plan.frames.length > 1 ? ` ${frameLabel(plan, t, c)} (${k + 1}/${plan.frames.length})` : '';
        // Whole, when holding the volume leaves tiles at least as large as blocks would (by the
        // memory model, within --max-memory); else block by block. The built-in models share
        // these settings, so the model the frame starts with decides.
        const planned = (await models.load(modelName)).metadata;
        const voxels = input.shape[0] * input.shape[1] * input.shape[2];
        const workerCount = workers > 1 ? workers : 0;
        const mapsPerTile = flips ?? planned.flips ?? 1;
        const secondMap = holdsSecondMap(planned, passFlags);
        const whole = tileVoxelsForMemory(voxels, workerCount, maxMemory, mapsPerTile, secondMap);
        const inBlocks =
          input.region !== undefined &&
          (block !== undefined ||
            voxels > BLOCKS_ABOVE ||
            !whole.fits ||
            whole.tileVoxels <
              tileVoxelsForMemory(
                blockVoxels(
                  DEFAULT_DETECT_BLOCK,
                  blockMargin(planned.config, [1, 1, 1], planned.context?.radius),
                  input.shape,
                ),
                workerCount,
                maxMemory,
                mapsPerTile,
                secondMap,
              ).tileVoxels);
        let volume: Volume | undefined;
        if (!inBlocks) {
          const read = await input.read(t, c);
          volume = voxelSize ? createVolume(read.data, read.shape, voxelSize) : read;
          // The pattern read before detecting: one pass with the model it calls for.
          if (givenModel === undefined) modelName = modelForPixelPattern(readPixelPattern(volume));
        }
        // The pool starts here, for the model this frame detects with.
        let { detector, pool } = await models.use(modelName);
        const predict = async (label: string) => {
          const progress = new Progress(io, `${basename(o.input)}${where}: ${label}`, quiet);
          const common = {
            model: detector,
            ...passFlags,
            ...(pool ? { predictor: pool } : {}),
            ...(spotSize ? { spotSize } : {}),
            ...(voxelSize ? { voxelSize } : {}),
            ...(minDistance ? { minDistance } : {}),
            measure: fit ? { fit: true } : true,
            ...(keepGhosts ? { axialGhosts: false as const } : {}),
            ...(flips !== undefined ? { flips } : {}),
          };
          let result: FrameResult;
          if (inBlocks) {
            // Read chunk by chunk: one block and its margin in memory; the picture from the blocks' projections.
            const [, Y, X] = input.shape;
            const mip = o.png && Y * X <= 2 ** 26 ? new Float32Array(Y * X) : undefined;
            result = await detectInBlocks(
              {
                shape: input.shape,
                ...(input.voxelSize ? { voxelSize: input.voxelSize } : {}),
                read: (start, size) => (input.region as NonNullable<Input['region']>)(t, c, start, size),
              },
              {
                ...common,
                ...(block ? { block } : {}),
                ...(maxTileVoxels ? { maxTileVoxels } : {}),
                maxMemory,
                onProgress: (p) => progress.update(p.done, p.total, 'blocks'),
                ...(mip
                  ? {
                      onProjection: (p: {
                        y0: number;
                        x0: number;
                        height: number;
                        width: number;
                        data: Float32Array;
                      }) => {
                        for (let y = 0; y < p.height; y++)
                          mip.set(p.data.subarray(y * p.width, (y + 1) * p.width), (p.y0 + y) * X + p.x0);
                      },
                    }
                  : {}),
              },
            );
            if (mip) volume = createVolume(mip, [1, Y, X]);
            else if (o.png) result.warnings.push(`no picture: ${Y}×${X} pixels is too large to draw`);
          } else {
            result = await detect(volume as Volume, {
              ...common,
              maxTileVoxels: maxTileVoxels ?? whole.tileVoxels,
              onProgress: (p) =>
                progress.update(
                  p.done,
                  p.total,
                  p.map === 'decoy'
                    ? 'tiles of the decoy map'
                    : p.map === 'bright'
                      ? 'tiles of the bright pass'
                      : 'tiles',
                ),
            });
          }
          progress.finish();
          return result;
        };
        let result = await predict('predicting');
        // Block by block the pattern is known only after the pass: again with the model it calls for.
        if (givenModel === undefined && modelForPixelPattern(result.pixelPattern) !== modelName) {
          modelName = modelForPixelPattern(result.pixelPattern);
          ({ detector, pool } = await models.use(modelName));
          result = await predict(`predicting again with ${modelName}`);
        }
        voxelSizeUsed = voxelSize ?? input.voxelSize;
        shape = input.shape;
        spotSigma ??= result.spotSize?.xy;
        for (const { x, y, z, score, measurement: m } of result.points)
          rows.push({
            x,
            y,
            z,
            ...(plan.timeColumn ? { t } : {}),
            ...(plan.channelColumn ? { c } : {}),
            score,
            ...(m
              ? {
                  intensity: m.intensity,
                  background: m.background,
                  noise: m.noise,
                  integrated: m.integrated,
                  snr: m.snr,
                  ...(fit
                    ? {
                        fit_sigma_xy: m.fitSigmaXY as number,
                        fit_sigma_z: m.fitSigmaZ as number,
                        fit_amplitude: m.fitAmplitude as number,
                      }
                    : {}),
                }
              : {}),
          });
        // A picture per frame, named for its time point and (of a multi-channel file) the channel used.
        const png =
          o.png && (plan.frames.length > 1 || plan.channels > 1)
            ? o.png.replace(/\.png$/, `.${frameLabel(plan, t, c, '')}.png`)
            : o.png;
        if (png && volume) {
          if (intoFolder) await mkdir(join(png, '..'), { recursive: true });
          await checkWritable(png, force);
          await writeFile(
            png,
            encodePng(projectionPicture(volume, { detections: result.points, ...(truth ? { truth } : {}) })),
          );
        }
        const scores = truth ? evaluate(truth, result.points, { gate: 5 }) : undefined;
        frames.push({
          ...(plan.timeColumn ? { t } : {}),
          ...(plan.channelColumn || plan.channels > 1 ? { c } : {}),
          count: result.points.length,
          threshold: result.threshold,
          thresholdSource: result.thresholdSource,
          ...(result.signal !== undefined ? { signal: result.signal } : {}),
          ...(result.ruleThreshold !== undefined ? { ruleThreshold: result.ruleThreshold } : {}),
          ...(result.clutter !== undefined ? { clutter: result.clutter } : {}),
          ...(result.clutterRaise !== undefined ? { clutterRaise: result.clutterRaise } : {}),
          ...(result.clutterRaiseDropped !== undefined
            ? { clutterRaiseDropped: result.clutterRaiseDropped }
            : {}),
          ...(result.valley ? { valley: result.valley } : {}),
          ...(result.valleyShift !== undefined ? { valleyShift: result.valleyShift } : {}),
          ...(result.blockThresholds ? { blockThresholds: result.blockThresholds } : {}),
          ...(result.inputKnee !== undefined ? { inputKnee: result.inputKnee } : {}),
          ...(result.spotPeak !== undefined ? { spotPeak: result.spotPeak } : {}),
          ...(result.blockKnees ? { blockKnees: result.blockKnees } : {}),
          ...(result.brightPass ? { brightPass: result.brightPass } : {}),
          ...(result.decoy ? { decoy: result.decoy } : {}),
          ...(result.clippedInput ? { clippedInput: result.clippedInput } : {}),
          ...(result.clippedBlocks ? { clippedBlocks: result.clippedBlocks } : {}),
          ...(result.missingVoxels ? { missingVoxels: result.missingVoxels } : {}),
          ...(result.missingBlocks ? { missingBlocks: result.missingBlocks } : {}),
          ...(result.pixelPattern !== undefined ? { pixelPattern: result.pixelPattern } : {}),
          model: modelName,
          axialGhosts: result.axialGhosts,
          tiles: result.tiles,
          flips: result.flips,
          ...(result.blocks ? { blocks: result.blocks } : {}),
          ...(png && volume ? { png } : {}),
          ...(result.spotSize ? { spotSize: result.spotSize } : {}),
          ...(result.resampling ? { resampledTo: result.resampling.to } : {}),
          warnings: result.warnings,
          seconds: (Date.now() - frameStarted) / 1000,
          ...(scores ? { scores } : {}),
        });
        if (!values['json']) {
          const s = result.spotSize;
          io.stdout.write(
            `${o.input}${where}: ${result.points.length} particles (${describeThreshold(result)}, ${result.tiles} tile${result.tiles === 1 ? '' : 's'}${result.flips > 1 ? ` × ${result.flips} flips` : ''}, ${((Date.now() - frameStarted) / 1000).toFixed(1)} s)${plan.frames.length === 1 ? ` → ${o.csv}${png ? `, ${png}` : ''}` : png ? ` → ${png}` : ''}\n`,
          );
          if (s)
            io.stdout.write(
              `  spot size σxy ${s.xy.toFixed(2)} px, σz ${s.z.toFixed(2)} slices (${s.source === 'given' ? 'given' : s.source === 'estimated' ? `estimated from ${s.spots === undefined ? 'the volume' : `${s.spots} spots in the volume`}` : "the model's own"})${result.resampling ? `; resampled to ${result.resampling.to.join('×')} for the model` : ''}\n`,
            );
          if (givenModel === undefined && modelName !== 'default')
            io.stdout.write(
              `  model ${modelName}: the stack shows a camera's pixel pattern, ${(result.pixelPattern as number).toFixed(1)}× what the noise alone would give (--model default keeps the default model)\n`,
            );
          const raised = describeRaisedKnee(result, baseKnee);
          if (raised) io.stdout.write(`  ${raised}\n`);
          const bright = describeBrightPass(result);
          if (bright) io.stdout.write(`  ${bright}\n`);
          const decoy = describeDecoy(result);
          if (decoy) io.stdout.write(`  ${decoy}\n`);
          const clipped = describeClippedInput(result);
          if (clipped) io.stdout.write(`  ${clipped}\n`);
          const missing = describeMissingVoxels(result);
          if (missing) io.stdout.write(`  ${missing}\n`);
          if (result.axialGhosts > 0)
            io.stdout.write(
              `  ${result.axialGhosts} axial ghost${result.axialGhosts === 1 ? '' : 's'} dropped (detections on a brighter spot's axial tail; --keep-axial-ghosts keeps them)\n`,
            );
          for (const w of result.warnings) io.stderr.write(`warning: ${o.input}${where}: ${w}\n`);
          if (scores)
            io.stdout.write(
              `  against ${truthPath}: F1 ${scores.f1.toFixed(3)}, precision ${scores.precision.toFixed(3)}, recall ${scores.recall.toFixed(3)}, RMSE ${scores.rmse.toFixed(3)} voxels (TP ${scores.tp}, FP ${scores.fp}, FN ${scores.fn})\n`,
            );
        }
      }
      if (intoFolder) await mkdir(join(o.csv, '..'), { recursive: true });
      await writeDetectionsFile(o.csv, rows as unknown as PointRecord[], {
        format: format as DetectionFormat,
        overwrite: force,
        // the same header when nothing was found
        columns: [
          ...(plan.timeColumn ? ['t'] : []),
          ...(plan.channelColumn ? ['c'] : []),
          ...MEASUREMENT_COLUMNS,
          ...(fit ? FIT_COLUMNS : []),
        ],
        ...(voxelSizeUsed ? { voxelSize: voxelSizeUsed } : {}),
        // TrackMate's spot radius: 2σ in-plane (the integration radius), in µm with a voxel size.
        radius: 2 * (spotSigma ?? 1.4) * (voxelSizeUsed ? voxelSizeUsed[2] : 1),
      });
      const seconds = (Date.now() - started) / 1000;
      const only = frames.length === 1 ? frames[0] : undefined;
      results.push({
        input: o.input,
        output: o.csv,
        shape,
        ...(voxelSizeUsed ? { voxelSize: voxelSizeUsed } : {}),
        ...(plan.timePoints > 1 ? { timePoints: plan.timePoints } : {}),
        ...(plan.channels > 1 ? { channels: plan.channels } : {}),
        // One frame: its fields at the top, as before; several: one entry per frame.
        ...(only ? { ...only, count: rows.length, seconds } : { count: rows.length, seconds, frames }),
      });
      if (!values['json'] && frames.length > 1)
        io.stdout.write(
          `${o.input}: ${rows.length} particles in ${frames.length} frames (${seconds.toFixed(1)} s) → ${o.csv}\n`,
        );
    }
  } finally {
    await models.close();
  }
  if (values['json']) io.stdout.write(`${JSON.stringify({ backend, workers, results }, null, 2)}\n`);
  return 0;
}

/** `--min-distance xy,z`: two whole numbers of voxels, at least 0. */
function minDistanceOption(value: unknown): { z: number; xy: number } | undefined {
  if (value === undefined) return undefined;
  const parts = String(value)
    .split(',')
    .map((v) => Number(v.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(
      `--min-distance must be two whole numbers xy,z of voxels (in-plane px, slices), at least 0, got ${JSON.stringify(value)}`,
      'detect',
    );
  return { xy: parts[0] as number, z: parts[1] as number };
}
