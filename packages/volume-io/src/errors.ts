/** What went wrong, as a stable string a program can switch on. */
export type VolumeIoErrorCode =
  | 'INVALID_VOLUME'
  | 'INVALID_OPTION'
  | 'INVALID_POINT'
  | 'NOT_TIFF'
  | 'TRUNCATED'
  | 'CORRUPT_TIFF'
  | 'UNSUPPORTED_SAMPLES'
  | 'UNSUPPORTED_SAMPLE_FORMAT'
  | 'PAGE_MISMATCH'
  | 'OUT_OF_RANGE'
  | 'TOO_LARGE'
  | 'CSV_EMPTY'
  | 'CSV_NO_COORDINATES'
  | 'CSV_BAD_NUMBER'
  | 'CSV_BAD_ROW'
  | 'CSV_NEEDS_VOXEL_SIZE'
  | 'XML_NOT_PTC'
  | 'XML_BAD_NUMBER'
  | 'XML_FRAME_REQUIRED'
  | 'XML_NO_SUCH_FRAME'
  | 'ANNOTATIONS_FORMAT'
  | 'ANNOTATIONS_NEEDS_UNITS'
  | 'ANNOTATIONS_TIME_REQUIRED'
  | 'ANNOTATIONS_CHANNEL_REQUIRED'
  | 'ANNOTATIONS_NO_SUCH_TIME'
  | 'ANNOTATIONS_NO_SUCH_CHANNEL'
  | 'FILE_EXISTS'
  | 'FILE_NOT_FOUND';

/**
 * The one error class of `@dmdet/volume-io`. `code` says what kind of problem it is, `file` names
 * the file (or the label the caller gave), and the message says what was expected and what came.
 */
export class VolumeIoError extends Error {
  /** Stable machine-readable kind of problem. */
  readonly code: VolumeIoErrorCode;
  /** The file (or caller-supplied label) the problem is in, when known. */
  readonly file: string | undefined;

  constructor(code: VolumeIoErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(options.file ? `${options.file}: ${message}` : message, { cause: options.cause });
    this.name = 'VolumeIoError';
    this.code = code;
    this.file = options.file;
  }
}
