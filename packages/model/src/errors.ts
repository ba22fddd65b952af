/** What went wrong, as a stable string a program can switch on. */
export type ModelErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_OPTION'
  | 'INVALID_SAMPLE'
  | 'MODEL_NOT_FOUND'
  | 'CORRUPT_MODEL'
  | 'FOREIGN_MODEL'
  | 'CORRUPT_CHECKPOINT'
  | 'FILE_EXISTS'
  | 'BACKEND_UNAVAILABLE'
  | 'WORKER_FAILED';

/**
 * The one error class of `@dmdet/model`: `code` says what kind of problem it is, the message names the
 * file, option or sample and what was expected.
 */
export class ModelError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}

/** Throws INVALID_OPTION (or the given code) unless `value` is a finite number satisfying `ok`. */
export function checkNumber(
  name: string,
  value: unknown,
  ok: (v: number) => boolean,
  expected: string,
  code: ModelErrorCode = 'INVALID_OPTION',
): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ModelError(code, `${name} must be ${expected}, got ${String(value)}`);
  }
}
