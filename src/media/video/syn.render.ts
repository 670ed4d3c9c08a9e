/**
 * `syn` on video frames: each face's surroundings go to RGB, the syn code replaces the face
 * there (one synthetic identity per track: its donor is keyed by the track id), and only the
 * pixels it changed go back to YUV. When syn cannot load (models or donor bank missing) the
 * faces are blurred instead: a face is never left uncovered.
 */
import { NoDonorBankError } from '../../engine/syn/donor.bank.ts';
import {
  startSynWorker,
  synAvailable,
  synthesizeFaces,
  type TrackBook,
} from '../../engine/syn/index.ts';
import { resumeAfterBreak } from '../../engine/syn/track.memory.ts';
import type { AnonymizeOptions, Box, Detection } from '../../engine/types.ts';
import { evenBox, regionToRgb, rgbToRegion, scaled, type YuvFrame } from './yuv.frame.ts';

export interface SynTally {
  replaced: number;
  blurred: number;
  /** Why syn could not run (the faces were blurred). */
  unavailable?: string;
}

export interface SynOnYuv {
  options: AnonymizeOptions;
  /** The frame area the blur of `d` reads (the syn code blurs faces it must not replace). */
  blurSourceOf: (d: Detection) => Box;
  /** Blurs faces with the normal renderer: the fallback when syn cannot load. */
  blur: (frame: YuvFrame, faces: Detection[]) => void;
  /** Loads syn (default: the process-wide context); injectable to run without assets. */
  load?: () => Promise<unknown>;
}

/**
 * Per video, by its settings: the track memories (donor, smoothed mesh and colour, last check),
 * the frame being drawn, and where and on which frame each track was last drawn.
 */
const videos = new WeakMap<
  SynOnYuv,
  { tracks: TrackBook; frame: number; last: Map<number, { frame: number; box: Box }> }
>();

/**
 * Whether track `d` continues from the frame before without a jump (its centre within half
 * its size of where it was drawn); remembers it as drawn on `frame`.
 */
export function continues(
  seen: Map<number, { frame: number; box: Box }>,
  d: Detection,
  frame: number,
) {
  const prev = seen.get(d.trackId!);
  seen.set(d.trackId!, { frame, box: d.box });
  if (!prev) return true;
  const side = Math.max(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1, 1);
  const jump = Math.hypot(
    (d.box.x1 + d.box.x2 - prev.box.x1 - prev.box.x2) / 2,
    (d.box.y1 + d.box.y2 - prev.box.y1 - prev.box.y2) / 2,
  );
  return prev.frame === frame - 1 && jump <= 0.5 * side;
}

/**
 * Covers `faces` of `frame` in place; adds the outcome to `tally`. Calls with one `s` are one
 * video, frame after frame: a track keeps its synthetic person across them. `index`: the
 * frame's index in the video (default: one more than the call before's).
 */
export async function synthesizeOnYuv(
  frame: YuvFrame,
  faces: Detection[],
  s: SynOnYuv,
  tally: SynTally,
  index?: number,
): Promise<void> {
  const video = videos.get(s) ?? { tracks: new Map(), frame: -1, last: new Map() };
  videos.set(s, video);
  video.frame = index ?? video.frame + 1;
  if (faces.length === 0) return;
  if (tally.unavailable === undefined) {
    try {
      await (s.load ?? loadSyn)();
    } catch (err) {
      tally.unavailable = (err as Error).message || String(err);
    }
  }
  if (tally.unavailable !== undefined) {
    s.blur(frame, faces);
    tally.blurred += faces.length;
    return;
  }
  const { tracks } = video;
  for (const d of faces) {
    // A track back after a gap or a jump is checked afresh (it may be someone else now).
    const track = d.trackId !== undefined ? tracks.get(d.trackId) : undefined;
    if (d.trackId !== undefined && !continues(video.last, d, video.frame) && track) {
      resumeAfterBreak(track);
    }
    const region = regionOf(frame, d, s.blurSourceOf(d));
    if (region.x2 <= region.x1 || region.y2 <= region.y1) continue;
    const rgb = regionToRgb(frame, region);
    const before = rgb.data.slice();
    const result = await synthesizeFaces(rgb, [scaled(d, region.x1, region.y1, 1)], s.options, {
      tracks,
    });
    tally.replaced += result.replaced;
    tally.blurred += result.blurred;
    // Unchanged pixels stay as decoded: a YUV -> RGB -> YUV round trip is not lossless.
    const changed = changedBox(before, rgb.data, rgb.width, rgb.height);
    if (!changed) continue;
    const back = evenBox(
      {
        x1: changed.x1 + region.x1,
        y1: changed.y1 + region.y1,
        x2: changed.x2 + region.x1,
        y2: changed.y2 + region.y1,
      },
      frame.width,
      frame.height,
    );
    rgbToRegion(frame, back, rgb, { x: region.x1, y: region.y1 });
  }
}

/** Starts the syn worker (models load there); without a donor bank it fails at once. */
function loadSyn(): Promise<unknown> {
  return synAvailable() ? startSynWorker() : Promise.reject(new NoDonorBankError());
}

/**
 * What syn reads around a face: the square twice the face's size that its mesh analysis
 * crops, and whatever its blur fallback reads.
 */
function regionOf(frame: YuvFrame, d: Detection, blurSource: Box): Box {
  const b = d.box;
  // Two pixels beyond the crop: its corners are rounded to whole pixels.
  const half = Math.max(b.x2 - b.x1, b.y2 - b.y1) + 2;
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  return evenBox(
    {
      x1: Math.floor(Math.min(cx - half, blurSource.x1)),
      y1: Math.floor(Math.min(cy - half, blurSource.y1)),
      x2: Math.ceil(Math.max(cx + half, blurSource.x2)),
      y2: Math.ceil(Math.max(cy + half, blurSource.y2)),
    },
    frame.width,
    frame.height,
  );
}

/** The bounding box of the pixels that differ between two RGB buffers, if any. */
function changedBox(a: Uint8Array, b: Uint8Array, width: number, height: number): Box | undefined {
  let x1 = width;
  let y1 = height;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const o = row + x * 3;
      if (a[o] === b[o] && a[o + 1] === b[o + 1] && a[o + 2] === b[o + 2]) continue;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      y2 = y;
    }
  }
  return x2 < 0 ? undefined : { x1, y1, x2: x2 + 1, y2: y2 + 1 };
}
