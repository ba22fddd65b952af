import { type Point, type Vec3, validatePoints, validateShape } from '@dmdet/volume-io';
import { asGroundtruthError } from './errors';

/** Checks a target shape (three positive integers) and that every point is finite and inside it. */
export function checkShapeAndPoints(points: readonly Point[], shape: Vec3): void {
  asGroundtruthError('INVALID_SHAPE', () => validateShape(shape));
  if (!Array.isArray(points)) throw new TypeError('points must be an array of { x, y, z }');
  asGroundtruthError('INVALID_POINT', () => validatePoints(points, { shape }));
}
