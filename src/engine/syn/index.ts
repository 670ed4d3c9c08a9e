/**
 * `syn` model: every face replaced by a synthetic one (an average of k >= 5 consenting
 * people, fitted to the face's pose and colours), or blurred where that is not safe.
 */
import { renderDetection, renderDetections } from '../render/index.ts';
import type { AnonymizeOptions, Detection, RgbFrame } from '../types.ts';
import { findDonorDir } from './donor.bank.ts';
import { cropGeometry } from './face.crop.ts';
import { loadSynContext } from './syn.context.ts';
import { synthesizeInWorker } from './syn.thread.ts';
// face.synthesizer.ts pulls in face-api and Human (~36 MB of heap): loaded only when a face is
// synthesized on this thread, so blur jobs and the video pipeline stay light (GC included).
import type { SynContext, SynOutcome } from './face.synthesizer.ts';
import { newTrackMemory, type TrackMemory } from './track.memory.ts';

/** Memory of each video track (by track id), kept by the caller for one video. */
export type TrackBook = Map<number, TrackMemory>;

let shared: Promise<SynContext> | undefined;

/** Whether synthetic faces can be made here (the donor bank is installed). */
export function synAvailable(donorDirs?: readonly string[]): boolean {
  return findDonorDir(donorDirs) !== undefined;
}

/**
 * Loads Human and face-api (WASM) and the donor bank on this thread, once (a few seconds).
 * `synthesizeFaces` does not need it (it works on the syn worker); tests and evals do.
 */
export function getSynContext(): Promise<SynContext> {
  shared ??= loadSynContext();
  shared.catch(() => (shared = undefined));
  return shared;
}

export interface SynthesizeResult {
  replaced: number;
  blurred: number;
  /** Per face, in the order given: what happened and why. */
  outcomes: SynOutcome[];
}

/**
 * Replaces each face of `faces` (other classes are ignored) in `frame`, in place. The donor
 * is chosen per face by a salted hash of its track id (video: one track, one synthetic
 * person) or of its index (images). With `tracks`, a tracked face keeps its track's donor,
 * smoothed mesh and colour across calls (one call per frame). The work runs on the syn
 * worker thread; with `context` (models and donors given) it runs here instead.
 */
export async function synthesizeFaces(
  frame: RgbFrame,
  faces: Detection[],
  options: AnonymizeOptions,
  ctx: { salt?: string; tracks?: TrackBook; context?: SynContext } = {},
): Promise<SynthesizeResult> {
  const result: SynthesizeResult = { replaced: 0, blurred: 0, outcomes: [] };
  if (!options.blurFace) return result;
  const salt = ctx.salt ?? 'veil';
  for (const [i, det] of faces.entries()) {
    if (det.cls !== 'face') continue;
    const key = det.trackId !== undefined ? `track:${det.trackId}` : `face:${i}`;
    let track: TrackMemory | undefined;
    if (ctx.tracks && det.trackId !== undefined) {
      track = ctx.tracks.get(det.trackId) ?? newTrackMemory();
      ctx.tracks.set(det.trackId, track);
    }
    let outcome: SynOutcome;
    try {
      outcome = ctx.context
        ? await (
            await import('./face.synthesizer.ts')
          ).synthesizeFace(ctx.context, frame, det, key, salt, track)
        : await inWorker(frame, det, key, salt, track);
    } catch {
      // Never leave a face uncovered: whatever broke, this face is blurred.
      renderDetection(frame, det, 'blur', true);
      if (track) track.checked = undefined;
      outcome = { kind: 'blurred', reason: 'failed' };
    }
    result.outcomes.push(outcome);
    if (outcome.kind === 'replaced') result.replaced++;
    else result.blurred++;
  }
  return result;
}

/** Sends the region syn reads and writes around `det` (its crop, which holds the blur's reach). */
async function inWorker(
  frame: RgbFrame,
  det: Detection,
  key: string,
  salt: string,
  track?: TrackMemory,
): Promise<SynOutcome> {
  const g = cropGeometry(det);
  const extent = g.side * g.scale;
  const x1 = Math.max(0, Math.floor(g.x0) - 2);
  const y1 = Math.max(0, Math.floor(g.y0) - 2);
  const x2 = Math.min(frame.width, Math.ceil(g.x0 + extent) + 2);
  const y2 = Math.min(frame.height, Math.ceil(g.y0 + extent) + 2);
  if (x2 <= x1 || y2 <= y1) {
    // Outside the frame: whatever of it shows is blurred as is.
    renderDetection(frame, det, 'blur', true);
    return { kind: 'blurred', reason: 'small' };
  }
  const width = x2 - x1;
  const region = { data: new Uint8Array(width * (y2 - y1) * 3), width, height: y2 - y1 };
  for (let y = y1; y < y2; y++)
    region.data.set(
      frame.data.subarray((y * frame.width + x1) * 3, (y * frame.width + x2) * 3),
      (y - y1) * width * 3,
    );
  const box = {
    x1: det.box.x1 - x1,
    y1: det.box.y1 - y1,
    x2: det.box.x2 - x1,
    y2: det.box.y2 - y1,
  };
  const outcome = await synthesizeInWorker(
    region,
    { ...det, box, landmarks: det.landmarks?.map(([x, y]) => [x - x1, y - y1]) },
    key,
    salt,
    track,
  );
  for (let y = y1; y < y2; y++)
    frame.data.set(
      region.data.subarray((y - y1) * width * 3, (y - y1 + 1) * width * 3),
      (y * frame.width + x1) * 3,
    );
  return outcome;
}

/**
 * Covers a frame's detections as `options` ask: with `model: 'syn'` and `syntonymize`, faces
 * are synthesized (or blurred where that is unsafe) and the rest (plates) rendered as usual;
 * otherwise everything goes through `renderDetections`. Returns the synthesis counts, or
 * null when no synthesis was asked for.
 */
export async function coverDetections(
  frame: RgbFrame,
  detections: Detection[],
  options: AnonymizeOptions,
  ctx: { salt?: string; donorDirs?: readonly string[] } = {},
): Promise<SynthesizeResult | null> {
  if (options.model !== 'syn' || !options.syntonymize) {
    renderDetections(frame, detections, options);
    return null;
  }
  const faces = detections.filter((d) => d.cls === 'face');
  if (!synAvailable(ctx.donorDirs)) {
    // Never leave a face uncovered: without a donor bank every face is blurred, and counted.
    renderDetections(frame, detections, options);
    const outcomes = faces.map((): SynOutcome => ({ kind: 'blurred', reason: 'unavailable' }));
    return { replaced: 0, blurred: options.blurFace ? faces.length : 0, outcomes };
  }
  const result = await synthesizeFaces(frame, faces, options, ctx);
  renderDetections(
    frame,
    detections.filter((d) => d.cls !== 'face'),
    options,
  );
  return result;
}

// SYN_LIMITS lives in face.synthesizer.ts: re-exporting it here would load face-api with this file.
export type { SynOutcome } from './face.synthesizer.ts';
export type { TrackMemory } from './track.memory.ts';
export { startSynWorker, stopSynWorker } from './syn.thread.ts';
