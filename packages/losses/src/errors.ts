/** What went wrong, as a stable string a program can switch on. */
export type LossesErrorCode = 'INVALID_OPTION' | 'SHAPE_MISMATCH';

/**
 * The one error class of `@dmdet/losses`: `code` says what kind of problem it is, the message names
 * the option or tensor and what was expected.
 */
export class LossesError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: LossesErrorCode;

  constructor(code: LossesErrorCode, message: string) {
    super(message);
    this.name = 'LossesError';
    this.code = code;
  }
}

/** Throws INVALID_OPTION unless `value` is a finite number satisfying `ok`. */
export function checkNumber(
  name: string,
  value: unknown,
  ok: (v: number) => boolean,
  expected: string,
): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new LossesError('INVALID_OPTION', `${name} must be ${expected}, got ${String(value)}`);
  }
}

/** Throws SHAPE_MISMATCH unless the two shapes are equal. */
export function checkSameShape(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) {
    throw new LossesError('SHAPE_MISMATCH', `${what}: shapes [${a.join(', ')}] and [${b.join(', ')}] differ`);
  }
}
