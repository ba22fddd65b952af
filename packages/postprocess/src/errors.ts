/** What went wrong, as a stable string a program can switch on. */
export type PostprocessErrorCode = 'INVALID_VOLUME' | 'INVALID_OPTION' | 'TILE_OUTPUT';

/**
 * The one error class of `@dmdet/postprocess`: `code` says what kind of problem it is, the message
 * names the option or input and what was expected.
 */
export class PostprocessError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: PostprocessErrorCode;

  constructor(code: PostprocessErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PostprocessError';
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
    throw new PostprocessError('INVALID_OPTION', `${name} must be ${expected}, got ${String(value)}`);
  }
}
