/**
 * The `syn` fail-safe's verdict on one output face: two recognisers look at the final pixels
 * (after blending) through the same crop as the original, and the output passes only if it is
 * someone else to both, in every view, with a margin beyond their same-person thresholds.
 */
import { closestOf, type FaceApiRef, type FaceApiRuntime } from './face-api.runtime.ts';
import type { FaceAnalysis, FaceMeshRuntime } from './human.runtime.ts';
import type { RgbFrame } from '../types.ts';

export const JUDGE_LIMITS = {
  /** `faceres` similarity at or above which two faces count as one person (reported level). */
  matchSimilarity: 0.45,
  /**
   * What the fail-safe demands: the output's similarity must stay below this. The margin
   * covers the recogniser's wobble with crop geometry and re-encoding.
   */
  passSimilarity: 0.4,
  /** face-api distance the output must reach in every view (same-person threshold 0.6, plus a margin). */
  faceApiDistance: 0.65,
  /**
   * A verdict against the original as described on an earlier frame of the track (video)
   * stands as a pass only this far inside both limits; closer, the frame's original is
   * described and the output's descriptors compared with it too. Measured: over 34 such
   * checks of 12 London Set tracks, this frame's original moved the verdict by at most 0.03
   * (faceres similarity up, face-api distance down).
   */
  reusedMargin: 0.05,
  /**
   * faceres judges the wide framing only when the output's crop view, in which Human found
   * the face, reaches this similarity: below it the wide view stays below `passSimilarity`.
   * Measured: the whole 640 px frame lies at most 0.09 above the crop view (83 London Set
   * outputs), and an audit of every skipped wide view (eval:syn with VEIL_SYN_AUDIT_WIDE, 11
   * outputs with the crop view at 0.13-0.24) found it at most 0.10 above, at most 0.30:
   * 0.25 + 0.10 leaves 0.05 to the limit (models/syn/README.md).
   */
  wideFrom: 0.25,
  /** How far above the crop view the wide view may lie (the largest measured, see `wideFrom`). */
  wideGap: 0.1,
};

/** Who the original face is, to both recognisers. */
export interface OriginalIdentity {
  /** faceres descriptors: this frame's first, then earlier ones of the same track. */
  faceres: number[][];
  /** The same in the wide view (`cropWide`), compared with the output's wide view only. */
  faceresWide?: number[][];
  /**
   * Describes the original's wide view (and a track's earlier ones kept undescribed) on first
   * need and fills `faceresWide`; a second call does nothing.
   */
  describeWide?: () => Promise<void>;
  /** face-api views of this frame (null: face-api did not find the face). */
  faceApi: FaceApiRef | null;
  /** face-api descriptors of earlier frames of the same track (compared, not re-cut). */
  earlierFaceApi: readonly Float32Array[];
}

/** The output as both recognisers saw it: kept to compare with more of the original later. */
export interface OutputSeen {
  /** faceres descriptor of the output (null: Human found no face there). */
  faceres: number[] | null;
  /** faceres descriptor of the output's wide view; null: not seen or not computed. */
  faceresWide: number[] | null;
  /** face-api descriptors of the output in every view; null: not computed (faceres failed it). */
  faceApi: Float32Array[] | null;
  atPlace: boolean;
  /** The wide view was not judged: the crop view's similarity stayed below `wideFrom`. */
  wideSkipped?: boolean;
}

export interface Verdict {
  pass: boolean;
  /** Highest faceres similarity to the original (0 when Human sees no face there). */
  similarity: number;
  /** Lowest face-api distance over all views; null when face-api never saw the original. */
  faceApiDistance: number | null;
  seen: OutputSeen;
}

/** The analysed face nearest the crop's centre, if it is the detector's face. */
export function centralFace(faces: FaceAnalysis[], side: number): FaceAnalysis | undefined {
  let best: FaceAnalysis | undefined;
  let bestDist = side / 5;
  for (const f of faces) {
    const d = Math.hypot(f.box[0] + f.box[2] / 2 - side / 2, f.box[1] + f.box[3] / 2 - side / 2);
    if (d < bestDist) [best, bestDist] = [f, d];
  }
  return best;
}

/**
 * Judges `output`, a crop of the final frame at the very place of the original's crop, and
 * `wide`, the same face framed wider (`cropWide`), where faceres is asked again: the two
 * framings move faceres by up to 0.09 (eval:syn, London Set), more than the 0.05 margin
 * between the pass and match levels, and an attacker may hold either.
 * `atPlace: false` skips the views cut at the original's aligned boxes: for a blurred face,
 * whose kept hair and outline alone put face-api at ~0.53 from the original even when the
 * oval is filled solid, only a face that the recognisers find again is a leak.
 */
export async function judgeOutput(
  runtime: FaceMeshRuntime,
  faceApi: FaceApiRuntime | undefined,
  output: RgbFrame,
  original: OriginalIdentity,
  {
    atPlace = true,
    wide,
    skipWide = true,
  }: {
    atPlace?: boolean;
    /** A lazy cut of the wide view (only judged when needed). */
    wide?: RgbFrame | (() => RgbFrame);
    /** Whether the wide view may be skipped below `wideFrom` (false: always judged). */
    skipWide?: boolean;
  } = {},
): Promise<Verdict> {
  const after = centralFace(await runtime.analyze(output), output.width);
  const seen: OutputSeen = {
    faceres: after?.embedding.length ? after.embedding : null,
    faceresWide: null,
    faceApi: null,
    atPlace,
  };
  let similarity = similarityOf(runtime, seen, original);
  // A face already matched by faceres needs no second opinion.
  if (similarity >= JUDGE_LIMITS.passSimilarity)
    return { pass: false, similarity, faceApiDistance: null, seen };
  // The wide view is judged unless Human found the face in the crop view far below the limit.
  const skip = skipWide && seen.faceres !== null && similarity < JUDGE_LIMITS.wideFrom;
  if (wide && skip) {
    seen.wideSkipped = true;
    if (wideAudit) await wideAudit(runtime, seen, original, wide, similarity);
  } else if (wide) {
    await original.describeWide?.();
    if (original.faceresWide?.length) {
      const view = typeof wide === 'function' ? wide() : wide;
      const found = centralFace(await runtime.analyze(view), view.width);
      seen.faceresWide = found?.embedding.length ? found.embedding : null;
      similarity = similarityOf(runtime, seen, original);
      if (similarity >= JUDGE_LIMITS.passSimilarity)
        return { pass: false, similarity, faceApiDistance: null, seen };
    }
  }
  if (faceApi && original.faceApi)
    seen.faceApi = await faceApi.viewsOf(output, original.faceApi, { atPlace });
  else if (faceApi && original.earlierFaceApi.length > 0 && !atPlace)
    seen.faceApi = await faceApi.viewsOf(output, [], { atPlace });
  return verdictOf(seen, original, similarity);
}

/**
 * The verdict on an output already seen (`judgeOutput`'s `seen`) against `original`, which
 * must give the same places to cut the output at (the same frame's aligned boxes): no
 * recogniser runs again. Used when a frame's original is described after a first verdict
 * against an earlier description.
 */
export function rejudge(
  runtime: FaceMeshRuntime,
  seen: OutputSeen,
  original: OriginalIdentity,
): Verdict {
  const similarity = similarityOf(runtime, seen, original);
  // A wide view skipped for a similarity this original now lifts past `wideFrom`: no pass.
  const unjudged = seen.wideSkipped === true && similarity >= JUDGE_LIMITS.wideFrom;
  if (similarity >= JUDGE_LIMITS.passSimilarity || unjudged)
    return { pass: false, similarity, faceApiDistance: null, seen };
  return verdictOf(seen, original, similarity);
}

/**
 * `VEIL_SYN_AUDIT_WIDE=FILE` (evals only): every skipped wide view is judged all the same,
 * outside the verdict, and the crop and wide similarities appended to FILE as JSON lines.
 */
const wideAudit = process.env.VEIL_SYN_AUDIT_WIDE
  ? async (
      runtime: FaceMeshRuntime,
      seen: OutputSeen,
      original: OriginalIdentity,
      wide: RgbFrame | (() => RgbFrame),
      crop: number,
    ) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const { appendFileSync } = await import('node:fs');
      await original.describeWide?.();
      const view = typeof wide === 'function' ? wide() : wide;
      const found = centralFace(await runtime.analyze(view), view.width);
      const all = { ...seen, faceresWide: found?.embedding.length ? found.embedding : null };
      const line = { crop, wide: similarityOf(runtime, all, original), found: !!found };
      appendFileSync(process.env.VEIL_SYN_AUDIT_WIDE!, JSON.stringify(line) + '\n');
      const c = process.cpuUsage(c0);
      wideAuditSpent.ms += performance.now() - t0;
      wideAuditSpent.cpuMs += (c.user + c.system) / 1000;
    }
  : undefined;

/** Time the wide audit took (wall and CPU ms of the process), for evals to leave out. */
export const wideAuditSpent = { ms: 0, cpuMs: 0 };

/**
 * The faceres similarity a track's margin is kept at: with the wide view skipped, the crop
 * view's plus `wideGap` (the most the wide view was measured above it), so that skipping it
 * never makes a track's margin look wider than judging it could have.
 */
export function similarityBound(v: Verdict): number {
  return v.seen.wideSkipped ? v.similarity + JUDGE_LIMITS.wideGap : v.similarity;
}

/** Whether a pass keeps `JUDGE_LIMITS.reusedMargin` inside both limits. */
export function passesWide(v: Verdict): boolean {
  if (!v.pass || v.similarity >= JUDGE_LIMITS.passSimilarity - JUDGE_LIMITS.reusedMargin)
    return false;
  return (
    v.faceApiDistance === null ||
    v.faceApiDistance >= JUDGE_LIMITS.faceApiDistance + JUDGE_LIMITS.reusedMargin
  );
}

/** The highest faceres similarity, each view of the output against the same view of the original. */
function similarityOf(runtime: FaceMeshRuntime, seen: OutputSeen, original: OriginalIdentity) {
  let similarity = 0;
  if (seen.faceres)
    for (const e of original.faceres)
      similarity = Math.max(similarity, runtime.similarity(e, seen.faceres));
  if (seen.faceresWide)
    for (const e of original.faceresWide ?? [])
      similarity = Math.max(similarity, runtime.similarity(e, seen.faceresWide));
  return similarity;
}

function verdictOf(seen: OutputSeen, original: OriginalIdentity, similarity: number): Verdict {
  let faceApiDistance: number | null = null;
  if (seen.faceApi && (original.faceApi || original.earlierFaceApi.length > 0))
    faceApiDistance = closestOf(seen.faceApi, [
      ...(original.faceApi ?? []).map((r) => r.descriptor),
      ...original.earlierFaceApi,
    ]);
  const pass = faceApiDistance === null || faceApiDistance >= JUDGE_LIMITS.faceApiDistance;
  return { pass, similarity, faceApiDistance, seen };
}
