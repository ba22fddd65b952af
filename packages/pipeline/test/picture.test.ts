import { createVolume } from '@dmdet/volume-io';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodePng, projectionPicture } from '../src/index';

describe('projectionPicture', () => {
  // 3 slices of 4×5; the maximum over z is known: value 10·y + x + 100 at slice 1, smaller elsewhere.
  const [Z, Y, X] = [3, 4, 5];
  const data = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) data[(z * Y + y) * X + x] = z === 1 ? 10 * y + x + 100 : x;
  const volume = createVolume(data, [Z, Y, X]);

  it('is the maximum over z, scaled to grey between the percentiles', () => {
    const pic = projectionPicture(volume, { zoom: 1, percentiles: [0, 100] });
    expect([pic.width, pic.height]).toEqual([5, 4]);
    // min 100 → 0, max 134 → 255
    const grey = (x: number, y: number) => pic.data[(y * 5 + x) * 3] as number;
    expect(grey(0, 0)).toBe(0);
    expect(grey(4, 3)).toBe(255);
    expect(grey(2, 1)).toBe(Math.round((12 / 34) * 255));
    // grey: the three channels are equal
    expect(pic.data[(1 * 5 + 2) * 3 + 1]).toBe(grey(2, 1));
  });

  it('marks detections magenta and truth green at their (x, y), zoomed', () => {
    const big = createVolume(new Float32Array(2 * 40 * 40), [2, 40, 40]);
    const pic = projectionPicture(big, {
      detections: [{ x: 10, y: 20, z: 1 }],
      truth: [{ x: 30, y: 5, z: 0 }],
      zoom: 2,
    });
    expect([pic.width, pic.height]).toEqual([80, 80]);
    const rgb = (x: number, y: number) =>
      Array.from(pic.data.subarray((y * 80 + x) * 3, (y * 80 + x) * 3 + 3));
    // truth cross centred on pixel (2·30 + 1, 2·5 + 1)
    expect(rgb(61, 11)).toEqual([0, 255, 0]);
    expect(rgb(61, 14)).toEqual([0, 255, 0]);
    // detection circle of radius 4 around (21, 41): its rightmost point, not its centre
    expect(rgb(25, 41)).toEqual([255, 0, 255]);
    expect(rgb(21, 41)).toEqual([0, 0, 0]);
  });

  it('encodes a PNG that decodes to the same pixels', () => {
    const pic = projectionPicture(volume);
    const png = decode(encodePng(pic));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([pic.width, pic.height, 3, 8]);
    expect(Array.from(png.data as Uint8Array)).toEqual(Array.from(pic.data));
  });
});
