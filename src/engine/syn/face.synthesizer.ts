/**
 * One face, end to end: mesh it on a crop around the detector's box, pick a donor, render,
 * then have two recognisers judge the final pixels against the original. A face that still
 * matches gets a stronger shape pull and another donor; if that matches too, or the face is
 * too small or turned for a reliable mesh, it is blurred. The original identity never leaves.
 *
 * In video a face carries its track's memory: the donor is chosen once per track, the mesh
 * and colour are smoothed over frames, and the recognisers run on the first frame and again
 * whenever `checkDue` says the output may have moved toward the person (see track.memory.ts).
 */
import { renderDetection } from '../render/index.ts';
import type { Detection, RgbFrame } from '../types.ts';
import { rgbToLab } from './colour.transfer.ts';
import type { Donor, DonorBank } from './donor.bank.ts';
import {
  cropAround,
  cropGeometry,
  cropWide,
  relativeBox,
  toFrame,
  type FaceCrop,
} from './face.crop.ts';
import { renderDonorFace, type MeshTopology } from './face.render.ts';
import type { FaceApiRuntime } from './face-api.runtime.ts';
import type { FaceAnalysis, FaceMeshRuntime } from './human.runtime.ts';
import { nextBox, rollOf, type MeshBox } from './mesh.tracking.ts';
import {
  centralFace,
  JUDGE_LIMITS,
  judgeOutput,
  passesWide,
  rejudge,
  similarityBound,
  type OriginalIdentity,
} from './identity.judge.ts';
import type { Vec2 } from './mesh.geometry.ts';
import {
  checkDue,
  coverDue,
  coverStill,
  describedStill,
  poseOf,
  quickRetry,
  type CoverReason,
  rememberOriginal,
  rememberWideView,
  routineCheckDue,
  smoothColour,
  smoothMesh,
  thinMargin,
  TRACK_CHECK,
  type TrackMemory,
} from './track.memory.ts';

/** Thresholds of the synthesizer (defaults measured on the London set; see eval:syn). */
export const SYN_LIMITS = {
  ...JUDGE_LIMITS,
  /** Faces whose box side is below this (px) are blurred: too few pixels for a mesh. */
  minFace: 40,
  /** Beyond this yaw (radians, ~40 degrees) hidden triangles break the render: blur. */
  maxYaw: 0.7,
  /** Shape pull per attempt, each with the next donor in line (measured: the donor matters more). */
  pulls: [0.75, 0.75, 1, 1, 1] as const,
};

export type SynOutcome =
  | {
      kind: 'replaced';
      donor: string;
      /** faceres similarity to the original at the last check (below `passSimilarity`). */
      similarity: number;
      /** Lowest face-api distance at the last check (above `faceApiDistance`); null: not seen. */
      faceApiDistance: number | null;
      attempts: number;
      /** Whether the recognisers judged this very output (video: not every frame). */
      checked: boolean;
    }
  | {
      kind: 'blurred';
      /** `unavailable`: no donor bank installed, so `syn` blurred every face. */
      reason: 'small' | 'no-mesh' | 'turned' | 'still-matches' | 'unavailable' | 'failed';
    };

export interface SynContext {
  runtime: FaceMeshRuntime;
  /** Second recogniser; without it only faceres judges. */
  judge?: FaceApiRuntime;
  bank: DonorBank;
  topology: MeshTopology;
}

/** A copy of the frame's pixels around the mesh, to undo a render that still matched. */
function saveRegion(frame: RgbFrame, mesh: readonly Vec2[]): () => void {
  const pad = 4;
  const x1 = Math.max(0, Math.floor(Math.min(...mesh.map((p) => p[0]))) - pad);
  const y1 = Math.max(0, Math.floor(Math.min(...mesh.map((p) => p[1]))) - pad);
  const x2 = Math.min(frame.width, Math.ceil(Math.max(...mesh.map((p) => p[0]))) + pad);
  const y2 = Math.min(frame.height, Math.ceil(Math.max(...mesh.map((p) => p[1]))) + pad);
  const rows: Uint8Array[] = [];
  for (let y = y1; y < y2; y++)
    rows.push(frame.data.slice((y * frame.width + x1) * 3, (y * frame.width + x2) * 3));
  return () => rows.forEach((row, i) => frame.data.set(row, ((y1 + i) * frame.width + x1) * 3));
}

/** Mean L* of the face's cheek band: the donor should share the person's skin lightness. */
function skinLightness(frame: RgbFrame, mesh: Vec2[]): number {
  // Cheek points of the mesh (left and right of the nose, below the eyes).
  const cheeks = [50, 101, 118, 117, 280, 330, 347, 346];
  let sum = 0;
  for (const i of cheeks) {
    const x = Math.min(frame.width - 1, Math.max(0, Math.round(mesh[i][0])));
    const y = Math.min(frame.height - 1, Math.max(0, Math.round(mesh[i][1])));
    const o = (y * frame.width + x) * 3;
    sum += rgbToLab(frame.data[o], frame.data[o + 1], frame.data[o + 2])[0];
  }
  return sum / cheeks.length;
}

/**
 * Replaces the face `det` of `frame` in place. `key` and `salt` pick the donor (a salted hash
 * within the face's attribute group); `track` (video) carries the track's memory.
 */
export async function synthesizeFace(
  ctx: SynContext,
  frame: RgbFrame,
  det: Detection,
  key: string,
  salt: string,
  track?: TrackMemory,
): Promise<SynOutcome> {
  let original: OriginalIdentity | undefined;
  /** Whether `original` is an earlier frame's description (see `describedStill`). */
  let reused = false;
  if (track?.described) track.described.age++;
  // A track whose face had to be blurred keeps the checked blur for a few frames (see
  // coverDue), meanwhile trying only the closest candidate of its last check (quickRetry),
  // then tries them all again.
  const held = track?.cover && !coverDue(track.cover, boxSide(det)) ? track.cover : undefined;
  const holdCover = (): SynOutcome => {
    const cover = held!;
    drawCover(frame, det, cover.passes);
    cover.sinceCheck++;
    if (cover.judged !== undefined) cover.judged++;
    if (track) Object.assign(track, { cover, checked: undefined });
    return { kind: 'blurred', reason: cover.reason };
  };
  const retry = held ? quickRetry(held) : undefined;
  const retryDonor = retry ? ctx.bank.byId(retry.donor) : undefined;
  if (held && !retryDonor) return holdCover();
  /** The failed attempt with the lowest faceres similarity: the next quick retry. */
  let closest: { donor: string; pull: number; similarity: number } | undefined;
  const blur = async (reason: CoverReason): Promise<SynOutcome> => {
    if (held) return holdCover();
    // A retry that failed again draws the cover judged on a recent frame, as held frames do.
    const kept = lastCover && coverStill(lastCover, boxSide(det)) ? lastCover : undefined;
    if (kept) drawCover(frame, det, kept.passes);
    // A cover is judged against this frame's original, described.
    else if (reused && !(await describeNow())) original = undefined;
    const passes =
      kept?.passes ??
      (await coverVerified(ctx, frame, det, original ?? (await identityOf(crop.image, []))));
    if (track) {
      track.checked = undefined;
      track.cover = {
        reason,
        passes,
        side: kept?.side ?? boxSide(det),
        sinceCheck: 0,
        judged: kept ? kept.judged! + 1 : 0,
        failures: failures + 1,
      };
      if (closest) track.cover.closest = { ...closest };
    }
    return { kind: 'blurred', reason };
  };
  const lastCover = track?.cover;
  const failures = lastCover?.failures ?? 0;
  if (track) track.cover = undefined;
  if (Math.min(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1) < SYN_LIMITS.minFace) {
    // Too few pixels for the recognisers as well: blurred unverified.
    renderDetection(frame, det, 'blur', true);
    if (track) track.checked = undefined;
    return { kind: 'blurred', reason: 'small' };
  }
  const crop = cropAround(frame, det);
  // The original in the judge's wide view: cut before anything is drawn (see below).
  let wideCrop: RgbFrame | undefined;
  const wideOriginal = () => (wideCrop ??= cropWide(frame, det).image);
  const identityOf = async (image: RgbFrame, faceres: number[]): Promise<OriginalIdentity> => {
    const faceApi = ctx.judge ? await ctx.judge.describe(image, track?.faceApiBox) : null;
    if (track && faceApi?.length) track.faceApiBox = relativeBox(faceApi[0].found, image.width);
    const wide = wideOriginal(); // cut now: the frame may be drawn on before it is described
    const described: OriginalIdentity = {
      faceres: [...(faceres.length ? [faceres] : []), ...(track?.originals.faceres ?? [])],
      faceApi,
      earlierFaceApi: track?.originals.faceApi ?? [],
    };
    // The wide view is described on first need, a track's earlier ones with it (the output's
    // crop view may keep faceres far enough from the limit: `wideFrom`): this frame's first,
    // then the track's four before it, as when every check described its own at once.
    let asked = false;
    described.describeWide = async () => {
      if (asked) return;
      asked = true;
      const kept = track ? await keptWide(ctx, track, wide) : { before: [], view: undefined };
      const now = kept.view ?? (await wideDescriptor(ctx, wide));
      described.faceresWide = [...(now.length ? [now] : []), ...kept.before];
    };
    return described;
  };
  /** This frame's original described (`faceres` from its crop) and remembered by the track. */
  const describeOriginal = async (faceres: number[]): Promise<void> => {
    const described = await identityOf(crop.image, faceres);
    original = described;
    const faceApi = described.faceApi?.map((v) => v.descriptor) ?? [];
    if (track) {
      rememberOriginal(track, faceres, faceApi, pose);
      rememberWideView(track, wideOriginal());
    }
  };
  /**
   * Describes this frame's original after a check began with an earlier description: Human
   * (detector, mesh, faceres) and face-api at the track's box, which gives the same aligned
   * boxes. False when Human finds no face.
   */
  const describeNow = async (): Promise<boolean> => {
    if (!reused) return true;
    reused = false;
    const found = centralFace(await ctx.runtime.analyze(crop.image), crop.image.width);
    if (!found?.embedding.length) return false;
    await describeOriginal(found.embedding);
    return true;
  };
  // The mesh alone is enough on frames that need no check; faceres runs when one is due.
  const mayCheck = routineCheckDue(track);
  // A check of a track whose last check passed with a comfortable margin, or a held blur's
  // quick retry (which mostly fails), may judge against the original as described on an
  // earlier frame (`describedStill`, decided on this frame's pose): such a frame is meshed
  // like one between checks, and described only if it must be. After a thin pass the next
  // is likely thin too, and would be described anyway.
  const mayReuse =
    ctx.judge !== undefined &&
    track?.faceApiBox !== undefined &&
    (track.described?.age ?? Infinity) < TRACK_CHECK.describeEvery &&
    (retryDonor !== undefined ||
      (track.donor !== undefined && track.checked !== undefined && !thinMargin(track.checked)));
  // Between checks a track's face is meshed where its last mesh was, without the detector.
  let face =
    track?.meshBox && (!mayCheck || mayReuse) ? await meshTracked(ctx, crop, track) : undefined;
  if (!face) {
    const found = centralFace(
      await ctx.runtime.analyze(crop.image, { describe: mayCheck }),
      crop.image.width,
    );
    if (!found) return blur('no-mesh');
    // A track is drawn from tracked meshes only: the detector's mesh sits a little apart
    // (about 1-3% of the face), and mixing the two would make the face jump at each check.
    if (track && !track.meshBox) keepMeshBox(track, found, crop.image.width);
    const tracked = track ? await meshTracked(ctx, crop, track) : undefined;
    face = tracked
      ? { ...found, mesh: tracked.mesh, yaw: tracked.yaw, pitch: tracked.pitch }
      : found;
  }
  if (track) keepMeshBox(track, face, crop.image.width);
  if (Math.abs(face.yaw) > SYN_LIMITS.maxYaw) {
    original = await identityOf(crop.image, face.embedding);
    return blur('turned');
  }
  const rawMesh = face.mesh.map((p) => toFrame(crop, p));
  const pose = poseOf(rawMesh, face.yaw, face.pitch);
  const check = checkDue(track, pose);
  if (
    check &&
    face.embedding.length === 0 &&
    mayReuse &&
    describedStill(track, pose) &&
    // Without the wide view's descriptor the output's wide view could not be judged again
    // (a reused description always judges it: the wide views kept are described now).
    (await keptWide(ctx, track!)).before.length > 0
  ) {
    // The same person in the same pose as a described frame: their descriptors stand, and
    // face-api's landmarks on this frame give the places where the output is cut. A pass
    // against them stands only with a wider margin (`passesWide`); a fail is a fail (this
    // frame's description would only add references).
    reused = true;
    original = {
      faceres: track!.originals.faceres,
      faceresWide: track!.originals.faceresWide,
      faceApi: await ctx.judge!.alignedAs(
        crop.image,
        track!.faceApiBox!,
        track!.described!.faceApi,
      ),
      earlierFaceApi: track!.originals.faceApi,
    };
  } else if (check && face.embedding.length === 0) {
    // Describe the original after all (the pose moved since the last check, or too far
    // from the described frame's).
    const found = centralFace(await ctx.runtime.analyze(crop.image), crop.image.width);
    if (!found) return blur('no-mesh');
    if (mayCheck && track) {
      // As a routine check meshed by the detector first: the next box takes its size.
      face = { ...found, mesh: face.mesh, yaw: face.yaw, pitch: face.pitch };
      keepMeshBox(track, face, crop.image.width);
    } else face = found;
  }
  if (check && !original && face.embedding.length === 0) return blur('no-mesh');
  const mesh = track ? smoothMesh(track, pose) : rawMesh;

  if (check && !original) {
    await describeOriginal(face.embedding);
  }

  const attempts =
    retry && retryDonor
      ? [{ donor: retryDonor, pull: retry.pull }]
      : candidates(ctx, track, {
          gender: face.genderScore >= 0.6 ? face.gender : 'unknown',
          lightness: skinLightness(frame, rawMesh),
          key,
          salt,
        });
  // Smoothed once per frame, whatever the number of attempts.
  let smoothed: ReturnType<typeof smoothColour> | undefined;
  const colour = track
    ? (m: Parameters<typeof smoothColour>[1]) => (smoothed ??= smoothColour(track, m))
    : undefined;
  // The wide view of the original is cut before the first render (`describeNow` may need it).
  if (original) wideOriginal();
  const restore = saveRegion(frame, mesh);
  const accept = (donor: Donor, pull: number, state: Checked, attempt: number): SynOutcome => {
    if (track) Object.assign(track, { donor: donor.id, pull, checked: state, sinceCheck: 0 });
    return replaced(donor, state, attempt, true);
  };
  // A new track looks past a pass with a thin margin (which would have every later frame
  // checked) for a donor with a comfortable one; the best pass is then drawn again (the
  // same pixels as judged: the render is deterministic and the region was restored).
  const choosing = track !== undefined && track.donor === undefined;
  let best: { donor: Donor; pull: number; state: Checked; attempt: number } | undefined;
  for (const [attempt, { donor, pull }] of attempts.entries()) {
    renderDonorFace(frame, mesh, donor, ctx.topology, pull, colour);
    if (!original && track?.checked) {
      track.sinceCheck++;
      return replaced(donor, track.checked, attempt, false);
    }
    // The very pixels that leave: the same crop as the original's, after blending.
    const out = cropAround(frame, det).image;
    let verdict = await judgeOutput(ctx.runtime, ctx.judge, out, original!, {
      wide: () => cropWide(frame, det).image,
      // A verdict against an earlier description may be judged again (`rejudge`) against
      // this frame's, which could lift the crop view past `wideFrom`: the wide view is judged.
      skipWide: !reused,
    });
    if (reused && verdict.pass && !passesWide(verdict)) {
      // Close to the limits: this frame's original decides, on the same output descriptors.
      if (!(await describeNow())) {
        restore();
        return blur('no-mesh');
      }
      // The output's wide view was judged (a reused description judges it): compared again.
      if (verdict.seen.faceresWide) await original!.describeWide?.();
      verdict = rejudge(ctx.runtime, verdict.seen, original!);
    }
    if (verdict.pass) {
      const state = {
        pose,
        similarity: similarityBound(verdict),
        faceApiDistance: finite(verdict.faceApiDistance),
      };
      if (!choosing || !thinMargin(state)) return accept(donor, pull, state, attempt);
      if (!best || margin(state) > margin(best.state)) best = { donor, pull, state, attempt };
    } else if (!closest || verdict.similarity < closest.similarity)
      closest = { donor: donor.id, pull, similarity: verdict.similarity };
    restore();
  }
  if (best) {
    renderDonorFace(frame, mesh, best.donor, ctx.topology, best.pull, colour);
    return accept(best.donor, best.pull, best.state, best.attempt);
  }
  return blur('still-matches');
}

type Checked = NonNullable<TrackMemory['checked']>;

/** How far a passing check stayed from the fail-safe's limits (the smaller of the two). */
function margin(c: Checked): number {
  const faceApi = c.faceApiDistance === null ? 1 : c.faceApiDistance - SYN_LIMITS.faceApiDistance;
  return Math.min(faceApi, SYN_LIMITS.passSimilarity - c.similarity);
}

/** A track's face meshed in its last mesh box (crop pixels follow the tracked box). */
async function meshTracked(
  ctx: SynContext,
  crop: FaceCrop,
  track: TrackMemory,
): Promise<FaceAnalysis | undefined> {
  const side = crop.image.width;
  const box = track.meshBox!.map((v) => v * side) as MeshBox;
  const f = await ctx.runtime.track(crop.image, box, track.meshRoll ?? 0);
  if (!f) return undefined;
  const [x, y, w, h] = f.box;
  return {
    ...f,
    box: [x, y, w, h],
    score: 1,
    embedding: [],
    gender: 'unknown',
    genderScore: 0,
    age: 0,
  };
}

/** faceres descriptor of `view` (a wide view of an original); empty: Human found no face. */
async function wideDescriptor(ctx: SynContext, view: RgbFrame): Promise<number[]> {
  return centralFace(await ctx.runtime.analyze(view), view.width)?.embedding ?? [];
}

/**
 * Describes the track's kept wide views (`rememberWideView`), oldest first, into its
 * `faceresWide` (the newest four with a face). `before`: the newest four described before
 * `mine` (a view of this frame; all of them when it was not kept), `view`: `mine`'s own
 * descriptor when it was among the kept ones.
 */
async function keptWide(
  ctx: SynContext,
  track: TrackMemory,
  mine?: RgbFrame,
): Promise<{ before: number[][]; view?: number[] }> {
  const o = track.originals;
  let all = o.faceresWide ?? [];
  let before: number[][] | undefined;
  let view: number[] | undefined;
  for (const kept of o.wideViews ?? []) {
    const e = await wideDescriptor(ctx, kept);
    if (kept === mine) [before, view] = [all, e];
    if (e.length > 0) all = [...all, e];
  }
  o.wideViews = [];
  o.faceresWide = all.slice(-4);
  return { before: (before ?? all).slice(-4), view };
}

/** Where the next frame of the track is meshed: Human's box, centred on this mesh. */
function keepMeshBox(track: TrackMemory, face: FaceAnalysis, side: number): void {
  const s = Math.max(face.box[2], face.box[3]);
  const [x, y, w, h] = nextBox(face.mesh, [0, 0, s, s]);
  track.meshBox = [x / side, y / side, w / side, h / side];
  track.meshRoll = rollOf(face.mesh);
}

/** Blur passes tried before a face that still matches is filled instead. */
const BLUR_PASSES = 3;

/**
 * The fallback cover, judged too: the normal blur, blurred again while a recogniser still
 * finds the person's face through it, and a solid fill if that is not enough.
 */
async function coverVerified(
  ctx: SynContext,
  frame: RgbFrame,
  det: Detection,
  original: OriginalIdentity,
): Promise<number> {
  for (let pass = 1; pass <= BLUR_PASSES; pass++) {
    renderDetection(frame, det, 'blur', true);
    const out = cropAround(frame, det).image;
    const verdict = await judgeOutput(ctx.runtime, ctx.judge, out, original, {
      atPlace: false,
      // Cut only if judged (nothing is drawn while the judge runs: the same pixels).
      wide: () => cropWide(frame, det).image,
    });
    if (verdict.pass) return pass;
  }
  renderDetection(frame, det, 'fill', true);
  return BLUR_PASSES + 1;
}

/** The cover `coverVerified` settled on: `passes` blurs, beyond BLUR_PASSES then a fill. */
function drawCover(frame: RgbFrame, det: Detection, passes: number): void {
  for (let pass = 1; pass <= Math.min(passes, BLUR_PASSES); pass++)
    renderDetection(frame, det, 'blur', true);
  if (passes > BLUR_PASSES) renderDetection(frame, det, 'fill', true);
}

const boxSide = (det: Detection) => Math.max(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1);

function replaced(
  donor: Donor,
  state: { similarity: number; faceApiDistance: number | null },
  attempt: number,
  checked: boolean,
): SynOutcome {
  return {
    kind: 'replaced',
    donor: donor.id,
    similarity: state.similarity,
    faceApiDistance: state.faceApiDistance,
    attempts: attempt + 1,
    checked,
  };
}

const finite = (d: number | null) => (d !== null && Number.isFinite(d) ? d : null);

/**
 * Donor and pull per attempt. A track that has its donor keeps it (one synthetic person per
 * track), with a stronger pull as the second try; otherwise the ranked donors in turn.
 */
function candidates(
  ctx: SynContext,
  track: TrackMemory | undefined,
  query: Parameters<DonorBank['ranked']>[0],
): { donor: Donor; pull: number }[] {
  const kept = track?.donor !== undefined ? ctx.bank.byId(track.donor) : undefined;
  if (kept) {
    const pull = track?.pull ?? SYN_LIMITS.pulls[0];
    return [{ donor: kept, pull }, ...(pull < 1 ? [{ donor: kept, pull: 1 }] : [])];
  }
  const donors = ctx.bank.ranked(query);
  return SYN_LIMITS.pulls.map((pull, i) => ({ donor: donors[i % donors.length], pull }));
}

export { cropAround, cropGeometry, type FaceCrop };
