/** What went wrong, as a stable string a program can switch on. */
export type SimulateErrorCode = 'INVALID_OPTION' | 'TOO_DENSE' | 'OUTPUT_EXISTS';

/**
 * The one error class of `@dmdet/simulate`: `code` says what kind of problem it is, the message
 * names the option and what was expected.
 */
export class SimulateError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: SimulateErrorCode;

  constructor(code: SimulateErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SimulateError';
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
    throw new SimulateError('INVALID_OPTION', `${name} must be ${expected}, got ${String(value)}`);
  }
}
