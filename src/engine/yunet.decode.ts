/**
 * Decoding of YuNet's raw outputs (libfacedetection.train, as OpenCV's FaceDetectorYN reads them):
 * per stride 8/16/32 one row per grid cell with class score, objectness, box and 5 landmarks.
 */
import type { Detection, Point } from './types.ts';

export const YUNET_STRIDES = [8, 16, 32] as const;

/** Output tensors by name: cls_8, obj_8, bbox_8, kps_8, ... (batch 1). */
export type YunetOutputs = Record<string, Float32Array>;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Faces scoring at least `minScore` in input-tensor pixels (width x height: the padded input).
 * Score = sqrt(cls x obj), both clamped to 0..1. Not yet suppressed (run NMS after).
 */
export function decodeYunet(
  outputs: YunetOutputs,
  width: number,
  height: number,
  minScore: number,
): Detection[] {
  const faces: Detection[] = [];
  for (const stride of YUNET_STRIDES) {
    const cols = Math.floor(width / stride);
    const rows = Math.floor(height / stride);
    const cls = outputs[`cls_${stride}`];
    const obj = outputs[`obj_${stride}`];
    const bbox = outputs[`bbox_${stride}`];
    const kps = outputs[`kps_${stride}`];
    if (!cls || !obj || !bbox || !kps) throw new Error(`YuNet output for stride ${stride} missing`);
    if (cls.length !== rows * cols) {
      throw new Error(`YuNet stride ${stride}: ${cls.length} cells, expected ${rows}x${cols}`);
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
        if (score < minScore) continue;
        const cx = (c + bbox[i * 4]) * stride;
        const cy = (r + bbox[i * 4 + 1]) * stride;
        const w = Math.exp(bbox[i * 4 + 2]) * stride;
        const h = Math.exp(bbox[i * 4 + 3]) * stride;
        const landmarks: Point[] = [];
        for (let k = 0; k < 5; k++) {
          landmarks.push([
            (kps[i * 10 + 2 * k] + c) * stride,
            (kps[i * 10 + 2 * k + 1] + r) * stride,
          ]);
        }
        faces.push({
          cls: 'face',
          box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
          score,
          landmarks,
        });
      }
    }
  }
  return faces;
}
