/** What went wrong, as a stable string a program can switch on. */
export type PreprocessErrorCode = 'INVALID_VOLUME' | 'INVALID_OPTION';

/**
 * The one error class of `@dmdet/preprocess`: `code` says what kind of problem it is, the message
 * names the option or input and what was expected.
 */
export class PreprocessError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: PreprocessErrorCode;

  constructor(code: PreprocessErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PreprocessError';
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
    throw new PreprocessError('INVALID_OPTION', `${name} must be ${expected}, got ${JSON.stringify(value)}`);
  }
}
