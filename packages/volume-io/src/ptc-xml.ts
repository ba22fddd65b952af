import { VolumeIoError } from './errors';
import type { PointRecord } from './points';
import { xmlTags } from './xml-attributes';

/** Options of {@link readPtcXml}. */
export interface ReadPtcXmlOptions {
  /**
   * Time point `t` to select. Optional when the file has a single time point; required (with an
   * error listing the time points) when it has several.
   */
  frame?: number;
  /** Name of the file, used in error messages. */
  file?: string;
}

/**
 * All detections of a Particle Tracking Challenge XML text by time point `t`, each with `track`
 * (the 0-based index of its `<particle>`). Throws `XML_NOT_PTC` and `XML_BAD_NUMBER`.
 */
export function ptcDetections(text: string, file?: string): Map<number, PointRecord[]> {
  const where = file === undefined ? {} : { file };
  let inContest = false;
  let sawContest = false;
  let track = -1;
  let detectionIndex = 0;
  const byFrame = new Map<number, PointRecord[]>();
  for (const tag of xmlTags(text)) {
    if (tag.name === 'TrackContestISBI2012') {
      inContest = !tag.closing;
      sawContest = true;
      continue;
    }
    if (!inContest || tag.closing) continue;
    if (tag.name === 'particle') track++;
    else if (tag.name === 'detection') {
      const values: Record<'t' | 'x' | 'y' | 'z', number> = { t: 0, x: 0, y: 0, z: 0 };
      for (const key of ['t', 'x', 'y', 'z'] as const) {
        const raw = tag.attributes[key];
        const v = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
        if (!Number.isFinite(v)) {
          throw new VolumeIoError(
            'XML_BAD_NUMBER',
            `detection ${detectionIndex} (particle ${track}): attribute ${key} must be a finite number, got ${
              raw === undefined ? 'nothing' : JSON.stringify(raw)
            }`,
            where,
          );
        }
        values[key] = v;
      }
      const list = byFrame.get(values.t) ?? [];
      list.push({ x: values.x, y: values.y, z: values.z, track: Math.max(track, 0) });
      byFrame.set(values.t, list);
      detectionIndex++;
    }
  }
  if (!sawContest) {
    throw new VolumeIoError(
      'XML_NOT_PTC',
      'not Particle Tracking Challenge XML: expected <root><TrackContestISBI2012><particle><detection t x y z/>',
      where,
    );
  }
  return byFrame;
}

/**
 * Reads ground truth in the Particle Tracking Challenge XML format
 * (`<root><TrackContestISBI2012><particle><detection t x y z/>…`) and returns the detections of
 * one time point as points (voxel units, as in the file) with `track`, the 0-based index of the
 * `<particle>` they belong to.
 *
 * @example
 * const truth = readPtcXml(xmlText, { frame: 0, file: 'VIRUS snr 2 density low.xml' });
 */
export function readPtcXml(text: string, options: ReadPtcXmlOptions = {}): PointRecord[] {
  const { frame, file } = options;
  const where = file === undefined ? {} : { file };
  if (frame !== undefined && !Number.isInteger(frame)) {
    throw new VolumeIoError('INVALID_OPTION', `frame must be an integer time point, got ${frame}`, where);
  }
  const byFrame = ptcDetections(text, file);
  const frames = [...byFrame.keys()].sort((a, b) => a - b);
  if (frame === undefined) {
    if (frames.length > 1) {
      throw new VolumeIoError(
        'XML_FRAME_REQUIRED',
        `the file has ${frames.length} time points (t = ${frames[0]}..${frames[frames.length - 1]}); pass frame to pick one`,
        where,
      );
    }
    return frames.length ? (byFrame.get(frames[0] as number) ?? []) : [];
  }
  const points = byFrame.get(frame);
  const inRange =
    frames.length > 0 && frame >= (frames[0] as number) && frame <= (frames[frames.length - 1] as number);
  if (!points && inRange) return [];
  if (!points) {
    throw new VolumeIoError(
      'XML_NO_SUCH_FRAME',
      `no detections at t = ${frame}; the file has t = ${frames.length ? `${frames[0]}..${frames[frames.length - 1]}` : 'none'}`,
      where,
    );
  }
  return points;
}
