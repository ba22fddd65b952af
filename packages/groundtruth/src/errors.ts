import { VolumeIoError } from '@dmdet/volume-io';

/** What went wrong, as a stable string a program can switch on. */
export type GroundtruthErrorCode = 'INVALID_SHAPE' | 'INVALID_POINT' | 'INVALID_OPTION' | 'INVALID_DENSITY';

/**
 * The one error class of `@dmdet/groundtruth`: `code` says what kind of problem it is, the message
 * names the option or point and what was expected.
 */
export class GroundtruthError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: GroundtruthErrorCode;

  constructor(code: GroundtruthErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'GroundtruthError';
    this.code = code;
  }
}

/** Runs a volume-io check, re-throwing its error as a GroundtruthError of the given code. */
export function asGroundtruthError<T>(code: GroundtruthErrorCode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VolumeIoError) throw new GroundtruthError(code, e.message, { cause: e });
    throw e;
  }
}

/** Throws INVALID_OPTION unless `value` is a finite number satisfying `ok`. */
export function checkNumber(name: string, value: number, ok: (v: number) => boolean, expected: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new GroundtruthError('INVALID_OPTION', `${name} must be ${expected}, got ${value}`);
  }
}
