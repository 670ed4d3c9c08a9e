/**
 * Two face detectors as one, for photos: each finds faces the other misses (on eval-data/faces
 * RetinaFace misses masked frontal faces that Veil's detector finds, Veil's misses blurred and
 * turned ones that RetinaFace finds), so a photo runs both and keeps every face either found,
 * once (NMS, and a box lying mostly inside a better one dropped). Measured with
 * `scripts/eval/face-audit.ts` (eval-data/README.md): audited recall 0.862 / 0.887 alone ->
 * 0.959 together at precision 0.908.
 *
 * Video frames (`hints.sequence`) run the first detector only, but for those that ask for both
 * (`hints.bothFaces`, every 3rd detection frame by default): the second on every frame would
 * double the detection cost, and the tracker holds a face between the frames that find it. With
 * two inference workers the engine runs the two on a photo at once (`hints.facePart`).
 */
import { nms } from './nms.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';

/** Faces of the two detectors overlapping more than this are one face (as RetinaFace's own NMS). */
export const UNION_NMS_IOU = 0.4;
/** A box lying this much inside a better one is the same face boxed differently. */
export const UNION_CONTAINMENT = 0.7;

export class FaceUnionDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide: number;
  readonly reliablePx: number;
  readonly nmsIou: number;

  constructor(
    private readonly first: RegionDetector,
    private readonly second: RegionDetector,
  ) {
    this.tileSide = first.tileSide;
    this.reliablePx = Math.max(first.reliablePx, second.reliablePx);
    this.nmsIou = UNION_NMS_IOU;
  }

  async detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]> {
    if (hints?.facePart === 1) return this.second.detect(image, minScore, hints);
    const found = await this.first.detect(image, minScore, hints);
    if ((hints?.sequence && !hints.bothFaces) || hints?.facePart === 0) return found;
    const more = await this.second.detect(
      image,
      minScore,
      hints && { ...hints, smallObjects: false },
    );
    return mergeFaces(found, more);
  }

  async close(): Promise<void> {
    await Promise.all([this.first.close(), this.second.close()]);
  }
}

/** Both detectors' faces, each face once: the higher score wins an overlap. */
export function mergeFaces(a: Detection[], b: Detection[]): Detection[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return nms([...a, ...b], { iou: UNION_NMS_IOU, containment: UNION_CONTAINMENT });
}
