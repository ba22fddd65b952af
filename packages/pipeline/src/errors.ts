/** What went wrong, as a stable string a program can switch on. */
export type PipelineErrorCode = 'INVALID_OPTION' | 'INVALID_INPUT' | 'FILE_EXISTS' | 'NOT_FOUND';

/**
 * The one error class of `@dmdet/pipeline`: `code` says what kind of problem it is, the message names
 * the file, option or input and what was expected. Errors of the composed packages pass through
 * unchanged (each with its own class and code).
 */
export class PipelineError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: PipelineErrorCode;

  constructor(code: PipelineErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PipelineError';
    this.code = code;
  }
}
