/**
 * The pure steps of a small-face pass (an enlarged copy whose extra faces must beat a raised
 * threshold): enlarged noise looks like small faces, so such a pass is asked for t + (1 - t) x
 * `raise` and its scores s are reported as (s - raise) / (1 - raise), which is the same test
 * against t. The score carries the raise, not only the call's threshold: video asks for weak
 * detections (to continue tracks) and starts tracks at the user's threshold, so a small-pass
 * score must mean what a main-pass score means.
 */
import { boxHeight, boxWidth, clipDetection, mapDetection } from './box.ts';
import { nms } from './nms.ts';
import type { Detection } from './types.ts';

/** The threshold a small-face pass is run at for the caller's `minScore`. */
export function smallPassThreshold(minScore: number, raise: number): number {
  return minScore + (1 - minScore) * raise;
}

/**
 * A small-face pass's detections (image px) as the caller sees them: only those whose longer
 * side is under `keepPx`, scores lowered by the raise (never below 0).
 */
export function fromSmallPass(found: Detection[], raise: number, keepPx: number): Detection[] {
  return found
    .filter((f) => Math.max(boxWidth(f.box), boxHeight(f.box)) < keepPx)
    .map((f) => ({ ...f, score: Math.max(0, (f.score - raise) / (1 - raise)) }));
}

/** A small-face pass on the picture enlarged by a factor (RetinaFace's and YuNet's settings). */
export interface EnlargedPass {
  /** Enlargement (1: none): small faces are found far more often at a larger size. */
  upscale: number;
  /** The pass runs only while the enlarged picture's longer side stays within this. */
  upscaleMaxSide: number;
  /** Faces kept from it: longer side under this (image px). */
  upscaleKeepPx: number;
  /** The threshold it must beat, t + (1 - t) x this (see above). */
  upscaleRaise: number;
}

/**
 * `found` (the main pass, image px) with the faces of an enlarged pass merged in: `run` runs the
 * model on the picture resampled to width x height at a threshold and returns faces in those
 * pixels. A face of both passes is kept once (NMS at `nmsIou`); a part of a face inside a whole
 * one is dropped.
 */
export async function withEnlargedPass(
  image: { width: number; height: number },
  found: Detection[],
  minScore: number,
  p: EnlargedPass,
  nmsIou: number,
  run: (width: number, height: number, minScore: number) => Promise<Detection[]>,
): Promise<Detection[]> {
  const { upscale, upscaleMaxSide, upscaleKeepPx, upscaleRaise } = p;
  if (upscale <= 1 || Math.max(image.width, image.height) * upscale > upscaleMaxSide) return found;
  const big = {
    width: Math.round(image.width * upscale),
    height: Math.round(image.height * upscale),
  };
  const back = {
    scaleX: image.width / big.width,
    scaleY: image.height / big.height,
    offsetX: 0,
    offsetY: 0,
  };
  const enlarged = await run(big.width, big.height, smallPassThreshold(minScore, upscaleRaise));
  const small = fromSmallPass(
    enlarged.map((f) => mapDetection(f, back)),
    upscaleRaise,
    upscaleKeepPx,
  );
  return nms([...found, ...small], { iou: nmsIou, containment: 0.7 });
}

/**
 * A face detector's whole `detect`: `pass` at the image's own size, the enlarged pass merged in
 * when `enlarged`, boxes clipped to the image. `pass` runs the model on the image resampled to
 * width x height at a threshold and returns faces in those pixels (RetinaFace's and YuNet's).
 */
export async function detectWithEnlargedPass(
  image: { width: number; height: number },
  minScore: number,
  enlarged: boolean,
  p: EnlargedPass,
  nmsIou: number,
  pass: (width: number, height: number, minScore: number) => Promise<Detection[]>,
): Promise<Detection[]> {
  let found = await pass(image.width, image.height, minScore);
  if (enlarged) found = await withEnlargedPass(image, found, minScore, p, nmsIou, pass);
  return found.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
}
