/**
 * `syn` model: every face replaced by a synthetic one (an average of k >= 5 consenting
 * people, fitted to the face's pose and colours), or blurred where that is not safe.
 */
import { renderDetections } from '../render/index.ts';
import type { AnonymizeOptions, Detection, RgbFrame } from '../types.ts';
import { DonorBank, findDonorDir } from './donor.bank.ts';
import { synthesizeFace, type SynContext, type SynOutcome } from './face.synthesizer.ts';

let shared: Promise<SynContext> | undefined;

/** Whether synthetic faces can be made here (the donor bank is installed). */
export function synAvailable(donorDirs?: readonly string[]): boolean {
  return findDonorDir(donorDirs) !== undefined;
}

/** Loads Human and face-api (WASM) and the donor bank once per process (a few seconds). */
export function getSynContext(): Promise<SynContext> {
  shared ??= (async () => {
    // One after the other: both set up a TensorFlow.js WASM backend.
    // Imported here: loading TensorFlow.js costs every process that never asks for `syn`.
    const { FaceMeshRuntime } = await import('./human.runtime.ts');
    const { FaceApiRuntime } = await import('./face-api.runtime.ts');
    const runtime = await FaceMeshRuntime.load();
    const judge = await FaceApiRuntime.load();
    const bank = await DonorBank.load();
    return { runtime, judge, bank, topology: { triangles: runtime.triangles, uv: runtime.uv } };
  })();
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
 * person) or of its index (images).
 */
export async function synthesizeFaces(
  frame: RgbFrame,
  faces: Detection[],
  options: AnonymizeOptions,
  ctx: { salt?: string } = {},
): Promise<SynthesizeResult> {
  const result: SynthesizeResult = { replaced: 0, blurred: 0, outcomes: [] };
  if (!options.blurFace) return result;
  const syn = await getSynContext();
  const salt = ctx.salt ?? 'veil';
  for (const [i, det] of faces.entries()) {
    if (det.cls !== 'face') continue;
    const key = det.trackId !== undefined ? `track:${det.trackId}` : `face:${i}`;
    const outcome = await synthesizeFace(syn, frame, det, key, salt);
    result.outcomes.push(outcome);
    if (outcome.kind === 'replaced') result.replaced++;
    else result.blurred++;
  }
  return result;
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

export { SYN_LIMITS, type SynOutcome } from './face.synthesizer.ts';
