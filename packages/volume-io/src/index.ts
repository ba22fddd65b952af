/**
 * `@dmdet/volume-io`: the `Volume` value and point lists of dmdet, TIFF stacks in and out,
 * CSV and Particle Tracking Challenge XML points, and annotated spot positions in the layouts of
 * napari, Spotiflow, Fiji and TrackMate. Browser-safe; file-path helpers live in
 * `@dmdet/volume-io/node`.
 *
 * @packageDocumentation
 */
export {
  type AnnotationFormat,
  type Annotations,
  type ReadAnnotationsOptions,
  readAnnotations,
} from './annotations';
export {
  DETECTION_FORMATS,
  type DetectionFormat,
  type WriteDetectionsOptions,
  writeDetections,
} from './detections-write';
export { VolumeIoError, type VolumeIoErrorCode } from './errors';
export { type NormalizePercentileOptions, normalizePercentile, percentiles } from './normalize';
export {
  type OmeZarrAxis,
  type OmeZarrImage,
  type OmeZarrInfo,
  type OmeZarrLevel,
  type OpenOmeZarrOptions,
  openOmeZarr,
  type ReadOmeZarrOptions,
  type ZarrStore,
} from './ome-zarr';
export { type Point, type PointRecord, type ValidatePointsOptions, validatePoints } from './points';
export {
  type ReadPointsCsvOptions,
  readPointsCsv,
  type WritePointsCsvOptions,
  writePointsCsv,
} from './points-csv';
export { type ReadPtcXmlOptions, readPtcXml } from './ptc-xml';
export {
  MAX_VOLUME_BYTES,
  type ReadTiffOptions,
  readTiff,
  readTiffInfo,
  type TiffInfo,
  type TiffInput,
} from './tiff-read';
export { imagejDescription, writeTiff } from './tiff-write';
export {
  createVolume,
  type Vec3,
  type Volume,
  type VolumeData,
  type VolumeDType,
  validateShape,
  volumeDType,
  voxelCount,
} from './volume';
export { type Axis, cropVolume, flipVolume, minMax, padToSize, toFloat32 } from './volume-ops';
