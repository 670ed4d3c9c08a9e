/**
 * Synthetic plates (`lp_syntonymize` / `lp_syn`) on video frames: each plate's surroundings
 * go to RGB, the plate is replaced there by `renderSyntheticPlate`, and only the region it
 * changed goes back to YUV. The characters come from a salted hash of the plate's track id,
 * so one plate track shows one synthetic registration; the salt is drawn once per video.
 */
import { randomUUID } from 'node:crypto';
import { plateKey, plateTextFor, renderSyntheticPlate } from '../../engine/render/plate.synth.ts';
import type { LookMemory } from '../../engine/render/plate.look.ts';
import type { AnonymizeOptions, Detection } from '../../engine/types.ts';
import { evenBox, regionToRgb, rgbToRegion, scaled, type YuvFrame } from './yuv.frame.ts';

export interface PlateSynth {
  /** Salt of this video's plate texts. */
  salt: string;
  /** Per plate key (track): its text, fixed when first drawn, and its slowly changing look. */
  tracks: Map<string, { text: string; look: LookMemory }>;
}

/** A plate synthesizer for one video, or undefined when `options` do not ask for one. */
export function plateSynthFor(
  options: Pick<AnonymizeOptions, 'lpSyntonymize' | 'enableLp'>,
  salt: string = randomUUID(),
): PlateSynth | undefined {
  return options.lpSyntonymize && options.enableLp ? { salt, tracks: new Map() } : undefined;
}

/**
 * Replaces the tracked plates of `objects` in `frame` in place; returns the objects still to be
 * covered the usual way (faces, plates without a track, and plates too small for a legible
 * synthetic plate).
 */
export function synthesizePlatesOnYuv(
  frame: YuvFrame,
  objects: Detection[],
  s: PlateSynth,
): Detection[] {
  let index = 0;
  return objects.filter((d) => {
    // A plate with no track (drawn by the untracked rules alone: found too weakly to start
    // one) has no registration to keep from frame to frame: covered the usual way.
    if (d.cls !== 'plate' || d.trackId === undefined) return true;
    const key = plateKey(d, index++);
    const region = regionAround(frame, d);
    if (region.x2 - region.x1 < 2 || region.y2 - region.y1 < 2) return true;
    const rgb = regionToRgb(frame, region);
    // The text (its length follows the plate's shape) is fixed on the track's first frame.
    const track = s.tracks.get(key) ?? { text: plateTextFor(d, key, s.salt), look: {} };
    s.tracks.set(key, track);
    const changed = renderSyntheticPlate(
      rgb,
      scaled(d, region.x1, region.y1, 1),
      track.text,
      d.trackId !== undefined ? track.look : undefined,
    );
    if (!changed) return true;
    const back = evenBox(
      {
        x1: changed.x + region.x1,
        y1: changed.y + region.y1,
        x2: changed.x + changed.w + region.x1,
        y2: changed.y + changed.h + region.y1,
      },
      frame.width,
      frame.height,
    );
    rgbToRegion(frame, back, rgb, { x: region.x1, y: region.y1 });
    return false;
  });
}

/** The plate's box and polygon with a margin of a third of its height (what the renderer reads). */
function regionAround(frame: YuvFrame, d: Detection) {
  const xs = [d.box.x1, d.box.x2, ...(d.polygon ?? []).map((p) => p[0])];
  const ys = [d.box.y1, d.box.y2, ...(d.polygon ?? []).map((p) => p[1])];
  const m = Math.ceil((d.box.y2 - d.box.y1) / 3) + 4;
  return evenBox(
    {
      x1: Math.floor(Math.min(...xs)) - m,
      y1: Math.floor(Math.min(...ys)) - m,
      x2: Math.ceil(Math.max(...xs)) + m,
      y2: Math.ceil(Math.max(...ys)) + m,
    },
    frame.width,
    frame.height,
  );
}
