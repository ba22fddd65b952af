import { micronsPerUnit } from './units';
import type { Vec3 } from './volume';
import { xmlTags } from './xml-attributes';

/** Where a stack's axes and voxel size came from. */
export type StackMetadataSource = 'imagej' | 'ome' | 'none';

/** How the pages of a TIFF map onto (time, channel, z). */
export interface StackLayout {
  source: StackMetadataSource;
  slices: number;
  channels: number;
  frames: number;
  /** Page index step per z, channel and time point. */
  stride: { z: number; channel: number; time: number };
  /** Index of the first page of the series. */
  firstPage: number;
  /** Voxel size in µm `[z, y, x]`, when the metadata gives one. */
  voxelSize?: Vec3;
}

function positiveInt(s: string | undefined, fallback: number): number {
  const n = s === undefined ? Number.NaN : Number(s);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Parses the `key=value` lines of an ImageJ ImageDescription, or undefined if it is not one. */
export function parseImageJDescription(description: string): Record<string, string> | undefined {
  if (!description.startsWith('ImageJ=')) return undefined;
  const out: Record<string, string> = {};
  for (const line of description.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Layout of an ImageJ stack or hyperstack (plane order: channel fastest, then z, then time).
 * `pixelsPerUnit` is `[XResolution, YResolution]` of the first page.
 */
export function imagejLayout(
  meta: Record<string, string>,
  pixelsPerUnit: [number | undefined, number | undefined],
): StackLayout {
  const images = positiveInt(meta['images'], 1);
  const channels = positiveInt(meta['channels'], 1);
  const frames = positiveInt(meta['frames'], 1);
  let slices = positiveInt(meta['slices'], Math.max(1, Math.floor(images / (channels * frames))));
  let c = channels;
  let t = frames;
  if (c * slices * t !== images) {
    // Inconsistent counts: treat the pages as a plain z-stack rather than guess an order.
    slices = images;
    c = 1;
    t = 1;
  }
  const umPerUnit = micronsPerUnit(meta['unit']);
  let voxelSize: Vec3 | undefined;
  const rx = positive(pixelsPerUnit[0]);
  const ry = positive(pixelsPerUnit[1]) ?? rx;
  if (umPerUnit !== undefined && rx !== undefined && ry !== undefined) {
    const dz = positive(meta['spacing'] === undefined ? 1 : Number(meta['spacing']));
    if (dz !== undefined) voxelSize = [dz * umPerUnit, umPerUnit / ry, umPerUnit / rx];
  }
  const layout: StackLayout = {
    source: 'imagej',
    slices,
    channels: c,
    frames: t,
    stride: { channel: 1, z: c, time: c * slices },
    firstPage: 0,
  };
  if (voxelSize) layout.voxelSize = voxelSize;
  return layout;
}

/**
 * Layout of the first image of an OME-XML description (`Pixels` sizes, `DimensionOrder`,
 * `PhysicalSize*` with their units, first `TiffData` IFD), or undefined if it has none.
 */
export function omeLayout(xml: string): StackLayout | undefined {
  let pixels: Record<string, string> | undefined;
  let firstIfd = 0;
  for (const tag of xmlTags(xml)) {
    if (tag.closing) {
      if (tag.name === 'Pixels' && pixels) break;
      continue;
    }
    if (tag.name === 'Pixels' && !pixels) pixels = tag.attributes;
    else if (tag.name === 'TiffData' && pixels) {
      firstIfd = Number(tag.attributes['IFD'] ?? 0) || 0;
      break;
    }
  }
  if (!pixels) return undefined;
  const sizes = {
    Z: positiveInt(pixels['SizeZ'], 1),
    C: positiveInt(pixels['SizeC'], 1),
    T: positiveInt(pixels['SizeT'], 1),
  };
  const order = (pixels['DimensionOrder'] ?? 'XYZCT').toUpperCase().slice(2);
  const stride = { Z: 1, C: 1, T: 1 };
  let step = 1;
  for (const axis of order.split('') as ('Z' | 'C' | 'T')[]) {
    if (!(axis in stride)) continue;
    stride[axis] = step;
    step *= sizes[axis];
  }
  const size = (axis: 'X' | 'Y' | 'Z'): number | undefined => {
    const v = positive(Number(pixels?.[`PhysicalSize${axis}`]));
    const unit = micronsPerUnit(pixels?.[`PhysicalSize${axis}Unit`] ?? 'µm');
    return v !== undefined && unit !== undefined ? v * unit : undefined;
  };
  const [z, y, x] = [size('Z'), size('Y'), size('X')];
  const layout: StackLayout = {
    source: 'ome',
    slices: sizes.Z,
    channels: sizes.C,
    frames: sizes.T,
    stride: { z: stride.Z, channel: stride.C, time: stride.T },
    firstPage: firstIfd,
  };
  if (x !== undefined && y !== undefined && z !== undefined) layout.voxelSize = [z, y, x];
  return layout;
}

/** Layout of a TIFF without ImageJ or OME metadata: every page is one z-slice. */
export function plainLayout(pages: number): StackLayout {
  return {
    source: 'none',
    slices: pages,
    channels: 1,
    frames: 1,
    stride: { z: 1, channel: 1, time: 1 },
    firstPage: 0,
  };
}
