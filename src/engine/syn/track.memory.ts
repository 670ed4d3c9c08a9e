/**
 * What `syn` remembers of one video track, so that the track is one synthetic person without
 * flicker: the donor and shape pull chosen on its first frame (never re-ranked per frame), a
 * temporally smoothed mesh and skin colour, and the state of its last fail-safe check, which
 * decides when the next check is due. Plain data: it can cross a worker boundary.
 */
import type { RgbFrame } from '../types.ts';
import type { LabStats } from './colour.transfer.ts';
import type { RelativeBox } from './face.crop.ts';
import type { Vec2 } from './mesh.geometry.ts';

/** When a track's output is checked again by the recognisers (see `checkDue`). */
export const TRACK_CHECK = {
  /** At the latest every this many frames. */
  every: 8,
  /** Mean mesh point move since the last check, in units of the mesh's RMS radius. */
  shape: 0.05,
  /** Head rotation since the last check (radians, about 7 degrees). */
  angle: 0.12,
  /** Face size ratio to the last check's, either way. */
  scale: 1.2,
  /** A last check closer than these to the limits means: check every frame. */
  thinFaceApi: 0.72,
  thinSimilarity: 0.33,
  /**
   * A check may judge the output against the original's descriptors of an earlier frame of
   * the track, not described again, while the face's pose is within the limits above of that
   * frame's and it is at most this many frames old (see `describedStill`).
   */
  describeEvery: 16,
  /**
   * A held blur quick-retries its closest candidate only if that one's faceres similarity
   * stayed below this (faceres's own same-person level): one the recogniser itself calls the
   * person is no near miss.
   */
  retryBelow: 0.45,
};

/** Pose of a face: the mesh without position and size, plus its rotation. */
export interface Pose {
  /** Mesh points centred on their mean and divided by their RMS radius. */
  shape: Vec2[];
  centre: Vec2;
  /** RMS radius of the mesh (px). */
  radius: number;
  yaw: number;
  pitch: number;
}

export interface CheckState {
  pose: Pose;
  similarity: number;
  faceApiDistance: number | null;
}

export interface TrackMemory {
  /** Donor id and pull fixed by the track's first passing check. */
  donor?: string;
  pull?: number;
  /** Smoothed normalised mesh and skin colour of the previous frame. */
  shape?: Vec2[];
  colour?: LabStats;
  /** The last passing check; undefined: the next frame is checked. */
  checked?: CheckState;
  /** Frames rendered since that check. */
  sinceCheck: number;
  /**
   * The track's face was blurred after a check (no donor passed, or no mesh): the checked
   * cover (blur passes; beyond 3, filled) and the face box side it was checked at.
   */
  cover?: {
    reason: CoverReason;
    passes: number;
    side: number;
    sinceCheck: number;
    /** Frames since the recognisers judged this cover (0: on its own frame; unset: unknown). */
    judged?: number;
    /** Checks in a row that ended in this blur: the track retries after 1, 2, 4, then 8 frames. */
    failures: number;
    /**
     * `still-matches`: the donor and pull that came closest to passing (lowest faceres
     * similarity). Between full retries each frame tries this one candidate, judged as any.
     */
    closest?: { donor: string; pull: number; similarity?: number };
  };
  /**
   * Where face-api's detector found the face on the track's first check, relative to the
   * crop (which follows the tracked box): later checks find the landmarks there instead of
   * running the detector again.
   */
  faceApiBox?: RelativeBox;
  /**
   * Human's face box for the next frame (relative to the crop) and the face's roll: frames
   * between checks are meshed there without Human's face detector.
   */
  meshBox?: RelativeBox;
  meshRoll?: number;
  /**
   * The pose of the last frame whose original both recognisers described, its two face-api
   * descriptors (face-api's and dlib's alignment), and the frames since.
   */
  described?: { pose: Pose; faceApi: Float32Array[]; age: number };
  /** Descriptors of the original on checked frames (capped): the output is compared with all. */
  originals: {
    faceres: number[][];
    faceresWide?: number[][];
    faceApi: Float32Array[];
    /**
     * The original's wide views (`cropWide`) of checked frames, newer than every descriptor in
     * `faceresWide` and not described yet: faceres describes them only when an output's wide
     * view is judged (`rememberWideView`).
     */
    wideViews?: RgbFrame[];
  };
}

export function newTrackMemory(): TrackMemory {
  return {
    sinceCheck: 0,
    originals: { faceres: [], faceresWide: [], faceApi: [], wideViews: [] },
  };
}

/**
 * The track's face was not drawn on the frame before, or jumped (a track taken back after a
 * gap, or by its look at a distance: `Tracker`'s reacquire and revive): whatever was checked
 * may have been someone else, so the next frame is checked afresh, with the original described
 * again, a fresh mesh search and colour. The synthetic person (donor, pull) and the original's
 * descriptors stay: more references only make the fail-safe stricter.
 */
export function resumeAfterBreak(memory: TrackMemory): void {
  memory.checked = undefined;
  memory.described = undefined;
  memory.cover = undefined;
  memory.faceApiBox = undefined;
  memory.meshBox = undefined;
  memory.meshRoll = undefined;
  memory.shape = undefined;
  memory.colour = undefined;
  memory.sinceCheck = 0;
}

export function poseOf(mesh: readonly Vec2[], yaw: number, pitch: number): Pose {
  const n = mesh.length;
  const cx = mesh.reduce((s, p) => s + p[0], 0) / n;
  const cy = mesh.reduce((s, p) => s + p[1], 0) / n;
  const radius = Math.sqrt(mesh.reduce((s, p) => s + (p[0] - cx) ** 2 + (p[1] - cy) ** 2, 0) / n);
  const k = 1 / Math.max(radius, 1e-9);
  return {
    shape: mesh.map((p) => [(p[0] - cx) * k, (p[1] - cy) * k]),
    centre: [cx, cy],
    radius,
    yaw,
    pitch,
  };
}

/** Mean distance between corresponding points of two normalised shapes. */
export function shapeDistance(a: readonly Vec2[], b: readonly Vec2[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.hypot(a[i][0] - b[i][0], a[i][1] - b[i][1]);
  return sum / a.length;
}

/**
 * The mesh to draw this frame: position and size follow the face at once (the synthetic face
 * stays glued to the head), while the normalised shape is an exponential average of the
 * frames so far, which removes the mesh's frame-to-frame jitter. A large change (a mouth
 * opening, a turn) is followed at once, so expression does not lag.
 */
export function smoothMesh(memory: TrackMemory, pose: Pose): Vec2[] {
  const prev = memory.shape;
  let shape = pose.shape;
  if (prev) {
    const moved = shapeDistance(prev, shape);
    // Jitter is ~0.01 of the radius; above 0.04 it is motion.
    const alpha = Math.min(1, Math.max(0.4, moved / 0.04));
    shape = prev.map((p, i) => [
      p[0] + (shape[i][0] - p[0]) * alpha,
      p[1] + (shape[i][1] - p[1]) * alpha,
    ]);
  }
  memory.shape = shape;
  return shape.map((p) => [
    pose.centre[0] + p[0] * pose.radius,
    pose.centre[1] + p[1] * pose.radius,
  ]);
}

/** The skin colour statistics to match: an exponential average over the track's frames. */
export function smoothColour(memory: TrackMemory, measured: LabStats): LabStats {
  const prev = memory.colour;
  const mix = (a: number, b: number) => a + (b - a) * 0.3;
  const out: LabStats = prev
    ? {
        mean: [0, 1, 2].map((c) => mix(prev.mean[c], measured.mean[c])) as LabStats['mean'],
        std: [0, 1, 2].map((c) => mix(prev.std[c], measured.std[c])) as LabStats['std'],
        count: measured.count,
      }
    : measured;
  memory.colour = out;
  return out;
}

/**
 * Whether this frame's output must be checked by the recognisers. Between checks the output
 * is the checked synthetic face (same donor, same pull) warped by a small pose change: the
 * recognisers' descriptors move little under such a change, and each check leaves a margin
 * beyond the same-person thresholds. A check is due on a track's first frame, after a failed
 * check, every `TRACK_CHECK.every` frames, when the pose or size moved beyond the limits
 * since the last check, and on every frame while the last check's margin was thin.
 */
export function checkDue(memory: TrackMemory | undefined, pose: Pose): boolean {
  if (routineCheckDue(memory)) return true;
  const c = memory!.checked!;
  if (Math.abs(pose.yaw - c.pose.yaw) > TRACK_CHECK.angle) return true;
  if (Math.abs(pose.pitch - c.pose.pitch) > TRACK_CHECK.angle) return true;
  const ratio = pose.radius / Math.max(1e-9, c.pose.radius);
  if (ratio > TRACK_CHECK.scale || ratio < 1 / TRACK_CHECK.scale) return true;
  return shapeDistance(pose.shape, c.pose.shape) > TRACK_CHECK.shape;
}

/** The part of `checkDue` known before the frame is meshed (no pose needed). */
export function routineCheckDue(memory: TrackMemory | undefined): boolean {
  const c = memory?.checked;
  if (!memory || !c || memory.donor === undefined) return true;
  if (memory.sinceCheck + 1 >= TRACK_CHECK.every) return true;
  return thinMargin(c);
}

/**
 * Whether a check of this frame may take the original as described on an earlier frame of the
 * track (`described`) instead of running both recognisers on it again. The person does not
 * change within a track; what changes their descriptors is pose, expression (the mesh's
 * shape), size and time, so the earlier description stands while all of them stay within the
 * limits that also bound how far a checked output may move (`checkDue`).
 */
export function describedStill(memory: TrackMemory | undefined, pose: Pose): boolean {
  const d = memory?.described;
  if (!d || d.age >= TRACK_CHECK.describeEvery || d.faceApi.length === 0) return false;
  if (memory!.originals.faceres.length === 0) return false;
  if (Math.abs(pose.yaw - d.pose.yaw) > TRACK_CHECK.angle) return false;
  if (Math.abs(pose.pitch - d.pose.pitch) > TRACK_CHECK.angle) return false;
  const ratio = pose.radius / Math.max(1e-9, d.pose.radius);
  if (ratio > TRACK_CHECK.scale || ratio < 1 / TRACK_CHECK.scale) return false;
  return shapeDistance(pose.shape, d.pose.shape) <= TRACK_CHECK.shape;
}

/** Whether a passing check came close to the limits: then every frame is checked. */
export function thinMargin(c: Omit<CheckState, 'pose'>): boolean {
  if (c.similarity > TRACK_CHECK.thinSimilarity) return true;
  return c.faceApiDistance !== null && c.faceApiDistance < TRACK_CHECK.thinFaceApi;
}

/** Why a track's face was blurred (the outcome's reason). */
export type CoverReason = 'no-mesh' | 'turned' | 'still-matches';

/**
 * Whether a blurred track tries again this frame: on the next frame, then after 2, 4 and
 * every `TRACK_CHECK.every` frames as its retries keep failing (a turned head may turn back,
 * a passing frame may follow), and when the face grew or shrank beyond `TRACK_CHECK.scale`
 * since the blur was checked.
 * Between, the same checked blur is drawn: a blur is no likelier to show the person a few
 * frames on than a checked synthetic face is.
 */
export function coverDue(cover: NonNullable<TrackMemory['cover']>, side: number): boolean {
  const hold = Math.min(TRACK_CHECK.every, 2 ** Math.max(0, cover.failures - 1));
  if (cover.sinceCheck + 1 >= hold) return true;
  const ratio = side / Math.max(1e-9, cover.side);
  return ratio > TRACK_CHECK.scale || ratio < 1 / TRACK_CHECK.scale;
}

/**
 * Whether a retry that failed again may draw the track's last cover without judging it
 * afresh: it was judged fewer than `TRACK_CHECK.every` frames ago at a face size within
 * `TRACK_CHECK.scale` of this one. The same reasoning as holding it between retries
 * (`coverDue`); a cover is judged again at least every `TRACK_CHECK.every` frames.
 */
export function coverStill(cover: NonNullable<TrackMemory['cover']>, side: number): boolean {
  if (cover.judged === undefined || cover.judged + 1 >= TRACK_CHECK.every) return false;
  const ratio = side / Math.max(1e-9, cover.side);
  return ratio <= TRACK_CHECK.scale && ratio >= 1 / TRACK_CHECK.scale;
}

/**
 * On a frame where a blurred track holds its cover (`coverDue` false), the one candidate it
 * tries, judged like any other frame: the closest of its last failed check. A passing frame
 * can come any frame (the person's expression, size, light), and five attempts every frame
 * were slow; one judged attempt is what a thin-margin track pays anyway. Undefined (no mesh,
 * turned): the checked cover is drawn as it is.
 */
export function quickRetry(
  cover: NonNullable<TrackMemory['cover']>,
): { donor: string; pull: number } | undefined {
  const c = cover.reason === 'still-matches' ? cover.closest : undefined;
  if (!c || (c.similarity ?? 0) >= TRACK_CHECK.retryBelow) return undefined;
  return { donor: c.donor, pull: c.pull };
}

/** Keeps the original's descriptors of a checked frame (the last four of each). */
export function rememberOriginal(
  memory: TrackMemory,
  faceres: number[],
  faceApi: readonly Float32Array[],
  pose?: Pose,
  faceresWide: number[] = [],
): void {
  // A description that lacks either recogniser's descriptor stands for no later frame.
  if (pose)
    memory.described =
      faceres.length > 0 && faceApi.length > 0
        ? { pose, faceApi: [...faceApi], age: 0 }
        : undefined;
  const o = memory.originals;
  if (faceres.length > 0) o.faceres = [...o.faceres, faceres].slice(-4);
  if (faceresWide.length > 0) o.faceresWide = [...(o.faceresWide ?? []), faceresWide].slice(-4);
  o.faceApi = [...o.faceApi, ...faceApi].slice(-8);
}

/**
 * Keeps the wide view of a checked frame's original undescribed: a check whose output's wide
 * view is skipped (far below the limit, `wideFrom`) never compares it, so faceres describes it
 * only when a later check judges an output's wide view (`keptWide` in face.synthesizer.ts).
 * The newest four are kept, as `rememberOriginal` keeps four described ones; a view in which
 * Human then finds no face leaves its place empty (described at once, the next older one with
 * a face would have been kept).
 */
export function rememberWideView(memory: TrackMemory, view: RgbFrame): void {
  const o = memory.originals;
  o.wideViews = [...(o.wideViews ?? []), view].slice(-4);
}
