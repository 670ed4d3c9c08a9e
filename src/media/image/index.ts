/** Image pipeline: decode/encode (JPEG, PNG, BMP) with metadata kept, and anonymizeImage. */
export {
  anonymizeImage,
  createImageAnonymizer,
  type ImageAnonymizerDeps,
} from './image.pipeline.ts';
export { closeSharedEngine, configureSharedEngine, getSharedEngine } from './shared-engine.ts';
export {
  decodeImage,
  encodeImage,
  formatOfExtension,
  sniffImageFormat,
  DEFAULT_MAX_PIXELS,
} from './image.codec.ts';
export type { DecodedImage, ImageFormat } from './image.codec.ts';
export { detectionsJsonPath, writeDetectionsJson } from './detections-json.ts';
