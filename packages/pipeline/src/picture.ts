import type { Point3 } from '@dmdet/metrics';
import { percentiles, type Volume } from '@dmdet/volume-io';
import { encode } from 'fast-png';

/** An 8-bit RGB picture. */
export interface RgbPicture {
  width: number;
  height: number;
  /** `width·height·3` bytes, row by row. */
  data: Uint8Array;
}

/** Options of {@link projectionPicture}. */
export interface ProjectionPictureOptions {
  /** Detections, drawn as magenta circles. */
  detections?: readonly Point3[];
  /** Ground truth, drawn as green crosses. */
  truth?: readonly Point3[];
  /** Integer magnification. Default: 2 for images under 256 pixels wide, else 1. */
  zoom?: number;
  /** Grey levels: these percentiles of the projection map to black and white. Default [1, 99.8]. */
  percentiles?: [number, number];
}

const DETECTION: [number, number, number] = [255, 0, 255];
const TRUTH: [number, number, number] = [0, 255, 0];

/**
 * The maximum-intensity projection of a volume along z as a grey picture, with detections (magenta
 * circles) and ground truth (green crosses) marked at their (x, y) positions.
 *
 * @example
 * const png = encodePng(projectionPicture(volume, { detections: points, truth }));
 */
export function projectionPicture(volume: Volume, options: ProjectionPictureOptions = {}): RgbPicture {
  const [Z, Y, X] = volume.shape;
  const mip = new Float32Array(Y * X).fill(Number.NEGATIVE_INFINITY);
  const src = volume.data;
  for (let z = 0; z < Z; z++) {
    const off = z * Y * X;
    for (let i = 0; i < Y * X; i++) {
      const v = src[off + i] as number;
      if (v > (mip[i] as number)) mip[i] = v;
    }
  }
  // Columns without a finite voxel (NaN: no data) are left out of the scale and drawn black.
  for (let i = 0; i < mip.length; i++) if (!Number.isFinite(mip[i] as number)) mip[i] = Number.NaN;
  const [pLow, pHigh] = options.percentiles ?? [1, 99.8];
  const [lo, hi] = percentiles(mip, [pLow, pHigh]) as [number, number];
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const zoom = options.zoom ?? (X < 256 ? 2 : 1);
  const width = X * zoom;
  const height = Y * zoom;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = mip[Math.floor(y / zoom) * X + Math.floor(x / zoom)] as number;
      const g = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - lo) * scale))) : 0;
      const o = (y * width + x) * 3;
      data[o] = g;
      data[o + 1] = g;
      data[o + 2] = g;
    }
  const put = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 3;
    data[o] = c[0];
    data[o + 1] = c[1];
    data[o + 2] = c[2];
  };
  // Voxel centres sit at integer coordinates: pixel x covers [x - 0.5, x + 0.5).
  const centre = (v: number) => Math.floor((v + 0.5) * zoom);
  for (const p of options.truth ?? []) {
    const cx = centre(p.x);
    const cy = centre(p.y);
    for (let d = -3; d <= 3; d++) {
      put(cx + d, cy, TRUTH);
      put(cx, cy + d, TRUTH);
    }
  }
  const r = 4;
  for (const p of options.detections ?? []) {
    const cx = centre(p.x);
    const cy = centre(p.y);
    for (let a = 0; a < 48; a++) {
      const t = (a / 48) * 2 * Math.PI;
      put(Math.round(cx + r * Math.cos(t)), Math.round(cy + r * Math.sin(t)), DETECTION);
    }
  }
  return { width, height, data };
}

/** Encodes a picture as PNG bytes (fast-png: pure JS, Node and browsers). */
export function encodePng(picture: RgbPicture): Uint8Array {
  return encode({ width: picture.width, height: picture.height, data: picture.data, channels: 3, depth: 8 });
}
