/**
 * `syn` model: every face replaced by a synthetic one (an average of k >= 5 consenting
 * people, fitted to the face's pose and colours), or blurred where that is not safe.
 */
import type { AnonymizeOptions, Detection, RgbFrame } from '../types.ts';
import { DonorBank } from './donor.bank.ts';
import { synthesizeFace, type SynContext, type SynOutcome } from './face.synthesizer.ts';
import { FaceMeshRuntime } from './human.runtime.ts';

let shared: Promise<SynContext> | undefined;

/** Loads Human (WASM) and the donor bank once per process (about 1-2 s). */
export function getSynContext(): Promise<SynContext> {
  shared ??= (async () => {
    const [runtime, bank] = await Promise.all([FaceMeshRuntime.load(), DonorBank.load()]);
    return { runtime, bank, topology: { triangles: runtime.triangles, uv: runtime.uv } };
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

export { SYN_LIMITS, type SynOutcome } from './face.synthesizer.ts';
