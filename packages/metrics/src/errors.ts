/** What went wrong, as a stable string a program can switch on. */
export type MetricsErrorCode = 'INVALID_POINT' | 'INVALID_OPTION';

/**
 * The one error class of `@dmdet/metrics`: `code` says what kind of problem it is, the message names
 * the point list, the index and what was expected.
 */
export class MetricsError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string) {
    super(message);
    this.name = 'MetricsError';
    this.code = code;
  }
}
