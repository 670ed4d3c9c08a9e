/** Renderers: cover detections in a frame in place (circle/mask blur, pixelate, fill). */
export {
  renderDetections,
  renderDetection,
  renderParams,
  FILL_COLOUR,
} from './detections.renderer.ts';
export type { RenderParams } from './detections.renderer.ts';
export { coverShape, faceContour } from './cover.geometry.ts';
export type { Shape, Region } from './mask.geometry.ts';
