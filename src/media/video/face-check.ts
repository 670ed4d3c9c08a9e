/**
 * A second opinion on new faces in video. RetinaFace, the face model video frames run, finds
 * faces on footage that holds none (flowers, a reptile, a fox, tree bark: 17 false face tracks
 * on 18 face-free clips, `scripts/eval-false-covers.ts`), again and again on the same spot, so
 * that a track starts and covers it for the rest of the clip. Where the engine runs a pair of face
 * models (`retinaface+veil`, `yunet+veil`: what a clone runs by default), a detection that would
 * start a face track, large enough and under the sure score, is shown to the second model on a
 * crop of the frame around it (`DetectHints.facePart` 1); where that model sees no face there,
 * the detection is dropped (asked again on the next detection frame, or after `memoryFrames`).
 * Faces of tracks, small faces and sure ones pass as they are.
 */
import type { Engine } from '../../engine/index.ts';
import { grownBox, iou, longerSide } from '../../engine/box.ts';
import { affinity, MIN_IOU } from '../../engine/tracker.ts';
import type { AnonymizeOptions, Box, Detection } from '../../engine/types.ts';
import { evenBox, regionToRgb, type YuvFrame } from './yuv.frame.ts';

export interface FaceCheckRules {
  /** The face display threshold: a detection under it starts no track, nothing to check. */
  threshold: number;
  /** From this score a new face is taken as found (the tracker's `sureFaceScore`). */
  sureScore: number;
  /** Under this longer side (frame px) a face is not checked (the second model sees it less). */
  minSide: number;
  /**
   * Score at which the second model's face counts (default `CHECK_SCORE`, 0.4: at 0.3 it
   * confirmed false faces that AVX2 machines without VNNI, whose 8-bit RetinaFace runs 7-bit
   * weights, find on face-free footage; src/media/video/README.md).
   */
  checkScore?: number;
  /**
   * Frames a spot the second model saw no face on stays refused without asking again (default
   * 0: asked on every detection frame, so a real face it missed once is asked about again).
   */
  memoryFrames?: number;
}

/** Share of the box added on each side of the crop the second model sees. */
const CROP_PAD = 0.5;
/** IoU from which the second model's face is the one checked. */
const SAME_FACE = 0.2;
/** The second model's score that confirms a face, by default. */
export const CHECK_SCORE = 0.4;
/** IoU from which a detection is on a spot refused before. */
const SAME_SPOT = 0.3;

export class FaceCheck {
  private refused: Array<{ box: Box; frame: number }> = [];
  /** Detections shown to the second model, and those it saw no face on. */
  readonly counts = { checked: 0, refused: 0 };

  constructor(
    private readonly engine: Engine,
    private readonly options: AnonymizeOptions,
    private readonly rules: FaceCheckRules,
  ) {}

  /**
   * `found` (frame-pixel boxes, detection frame `index`) without the new faces the second model
   * does not confirm; `tracks`: the face tracks' boxes expected on this frame.
   */
  async filter(frame: YuvFrame, index: number, found: Detection[], tracks: Box[]) {
    const memory = this.rules.memoryFrames ?? 0;
    this.refused = this.refused.filter((r) => index - r.frame <= memory);
    const out: Detection[] = [];
    for (const d of found) {
      if (!this.needsCheck(d, tracks) || (await this.confirmed(frame, index, d.box))) out.push(d);
    }
    return out;
  }

  private needsCheck(d: Detection, tracks: Box[]): boolean {
    const { threshold, sureScore, minSide } = this.rules;
    if (d.cls !== 'face' || d.score < threshold || d.score >= sureScore) return false;
    if (longerSide(d.box) < minSide) return false;
    return !tracks.some((t) => affinity(t, d.box, MIN_IOU) > 0);
  }

  private async confirmed(frame: YuvFrame, index: number, box: Box): Promise<boolean> {
    if (this.refused.some((r) => iou(r.box, box) >= SAME_SPOT)) return false;
    const region = evenBox(grownBox(box, CROP_PAD), frame.width, frame.height);
    const inCrop = {
      x1: box.x1 - region.x1,
      y1: box.y1 - region.y1,
      x2: box.x2 - region.x1,
      y2: box.y2 - region.y1,
    };
    this.counts.checked++;
    const faces = await this.engine.detect(
      regionToRgb(frame, region),
      // The crop alone, as a photo: no plates, no tiles.
      {
        ...this.options,
        enableLp: false,
        slicing: false,
        blurThreshold: this.rules.checkScore ?? CHECK_SCORE,
      },
      { facePart: 1 },
    );
    const seen = faces.some((f) => f.cls === 'face' && iou(f.box, inCrop) >= SAME_FACE);
    if (!seen) {
      this.counts.refused++;
      this.refused.push({ box, frame: index });
    }
    return seen;
  }
}
