/**
 * The classical baseline as the benchmarks give it every advantage: SEF3D (`detectSEF3D`) with each
 * volume's true spot σ and the threshold best on validation volumes of the same case
 * (`bestThreshold`, gate 5 voxels), scored on the test volumes (`evaluate`, gate 5).
 */
import { bestThreshold } from '@dmdet/metrics';
import { DEFAULT_MIN_DISTANCE, evaluate } from '@dmdet/pipeline';
import { detectSEF3D } from '@dmdet/postprocess';
import type { Volume } from '@dmdet/volume-io';

/** A volume with its true spot positions (voxels) and true spot σ (a `GeneralVolume`, or stacks read from disk). */
type Labelled = {
  volume: Volume;
  points: readonly { x: number; y: number; z: number }[];
  spotSigma: { xy: number; z: number };
};

/**
 * SEF3D on `test` at the threshold best on `validation`: that threshold and each test volume's
 * scores. `keep`, if given, says which detections of a volume are scored (on validation and test
 * alike).
 */
export function tunedSef3d<T extends Labelled>(
  test: readonly T[],
  validation: readonly T[],
  keep?: (p: { x: number; y: number; z: number }, item: T) => boolean,
): { threshold: number; scores: ReturnType<typeof evaluate>[] } {
  const sef = (v: T, threshold: number) => {
    const found = detectSEF3D(v.volume, {
      sigmaXY: v.spotSigma.xy,
      sigmaZ: v.spotSigma.z,
      threshold,
      minDistance: DEFAULT_MIN_DISTANCE,
    }).detections;
    return keep ? found.filter((p) => keep(p, v)) : found;
  };
  const { threshold } = bestThreshold(
    validation.map((v) => ({ truth: v.points, detections: sef(v, 2) })),
    { gate: 5 },
  );
  return { threshold, scores: test.map((t) => evaluate(t.points, sef(t, threshold), { gate: 5 })) };
}
