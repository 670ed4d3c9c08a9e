/**
 * One face, end to end: mesh it on a crop around the detector's box, pick a donor, render,
 * then check with the recogniser that the output is no longer the person. A face that still
 * matches gets a stronger shape pull and another donor; if that matches too, or the face is
 * too small or turned for a reliable mesh, it is blurred. The original identity never leaves.
 */
import { renderDetection } from '../render/index.ts';
import type { Detection, RgbFrame } from '../types.ts';
import { rgbToLab } from './colour.transfer.ts';
import type { DonorBank } from './donor.bank.ts';
import { renderDonorFace, type MeshTopology } from './face.render.ts';
import type { FaceApiRuntime } from './face-api.runtime.ts';
import type { FaceAnalysis, FaceMeshRuntime } from './human.runtime.ts';
import { sampleBilinear, type Vec2 } from './mesh.geometry.ts';

/** Thresholds of the synthesizer (defaults measured on the London set; see eval:syn). */
export const SYN_LIMITS = {
  /** Faces whose box side is below this (px) are blurred: too few pixels for a mesh. */
  minFace: 40,
  /** Beyond this yaw (radians, ~40 degrees) hidden triangles break the render: blur. */
  maxYaw: 0.7,
  /** `faceres` similarity at or above which two faces count as one person (reported level). */
  matchSimilarity: 0.45,
  /**
   * What the fail-safe demands: the output's similarity must stay below this. The margin
   * covers the recogniser's wobble with crop geometry (an attacker crops as they like).
   */
  passSimilarity: 0.4,
  /** Side of the square crop Human analyses (px). */
  cropSide: 256,
  /** face-api distance the output must reach (its same-person threshold 0.6, plus a margin). */
  faceApiDistance: 0.65,
  /** Shape pull per attempt, each with the next donor in line (measured: the donor matters more). */
  pulls: [0.75, 0.75, 1, 1, 1] as const,
};

export type SynOutcome =
  | {
      kind: 'replaced';
      donor: string;
      /** faceres similarity to the original (below `passSimilarity`). */
      similarity: number;
      /** face-api distance to the original (above `faceApiDistance`); null if it saw no face. */
      faceApiDistance: number | null;
      attempts: number;
    }
  | {
      kind: 'blurred';
      /** `unavailable`: no donor bank installed, so `syn` blurred every face. */
      reason: 'small' | 'no-mesh' | 'turned' | 'still-matches' | 'unavailable';
    };

export interface SynContext {
  runtime: FaceMeshRuntime;
  /** Second recogniser; without it only faceres judges. */
  judge?: FaceApiRuntime;
  bank: DonorBank;
  topology: MeshTopology;
}

interface Crop {
  image: RgbFrame;
  /** Frame pixels per crop pixel, and the crop's origin in the frame. */
  scale: number;
  x0: number;
  y0: number;
}

/** A square crop twice the face's size around its centre, resampled to `side` px. */
export function cropAround(frame: RgbFrame, det: Detection, side: number): Crop {
  const cx = (det.box.x1 + det.box.x2) / 2;
  const cy = (det.box.y1 + det.box.y2) / 2;
  const extent = 2 * Math.max(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1);
  const scale = extent / side;
  const x0 = cx - extent / 2;
  const y0 = cy - extent / 2;
  const data = new Uint8Array(side * side * 3);
  const px = new Float32Array(3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      sampleBilinear(frame, x0 + (x + 0.5) * scale, y0 + (y + 0.5) * scale, px, 0);
      const o = (y * side + x) * 3;
      data[o] = px[0];
      data[o + 1] = px[1];
      data[o + 2] = px[2];
    }
  return { image: { data, width: side, height: side }, scale, x0, y0 };
}

/** The analysed face nearest the crop's centre, if it is the detector's face. */
function centralFace(faces: FaceAnalysis[], side: number): FaceAnalysis | undefined {
  let best: FaceAnalysis | undefined;
  let bestDist = side / 5;
  for (const f of faces) {
    const d = Math.hypot(f.box[0] + f.box[2] / 2 - side / 2, f.box[1] + f.box[3] / 2 - side / 2);
    if (d < bestDist) [best, bestDist] = [f, d];
  }
  return best;
}

async function analyzeAt(ctx: SynContext, frame: RgbFrame, det: Detection) {
  const crop = cropAround(frame, det, SYN_LIMITS.cropSide);
  const face = centralFace(await ctx.runtime.analyze(crop.image), SYN_LIMITS.cropSide);
  if (!face) return { crop };
  const mesh = face.mesh.map(
    ([x, y]) => [crop.x0 + x * crop.scale, crop.y0 + y * crop.scale] as Vec2,
  );
  return { crop, found: { face, mesh } };
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

export async function synthesizeFace(
  ctx: SynContext,
  frame: RgbFrame,
  det: Detection,
  key: string,
  salt: string,
): Promise<SynOutcome> {
  const blur = (reason: Extract<SynOutcome, { kind: 'blurred' }>['reason']): SynOutcome => {
    renderDetection(frame, det, 'blur', true);
    return { kind: 'blurred', reason };
  };
  if (Math.min(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1) < SYN_LIMITS.minFace)
    return blur('small');
  const { crop, found } = await analyzeAt(ctx, frame, det);
  if (!found || found.face.embedding.length === 0) return blur('no-mesh');
  if (Math.abs(found.face.yaw) > SYN_LIMITS.maxYaw) return blur('turned');
  const faceApiRef = ctx.judge ? await ctx.judge.describe(crop.image) : null;

  const query = {
    gender: found.face.genderScore >= 0.6 ? found.face.gender : ('unknown' as const),
    lightness: skinLightness(frame, found.mesh),
    key,
    salt,
  };
  const restore = saveRegion(frame, found.mesh);
  const donors = ctx.bank.ranked(query);
  for (const [attempt, pull] of SYN_LIMITS.pulls.entries()) {
    const donor = donors[attempt % donors.length];
    renderDonorFace(frame, found.mesh, donor, ctx.topology, pull);
    const after = await analyzeAt(ctx, frame, det);
    const similarity = after.found?.face.embedding.length
      ? ctx.runtime.similarity(found.face.embedding, after.found.face.embedding)
      : 0;
    const faceApiDistance =
      ctx.judge && faceApiRef ? await ctx.judge.distanceAt(after.crop.image, faceApiRef) : null;
    if (
      similarity < SYN_LIMITS.passSimilarity &&
      (faceApiDistance === null || faceApiDistance >= SYN_LIMITS.faceApiDistance)
    )
      return {
        kind: 'replaced',
        donor: donor.id,
        similarity,
        faceApiDistance,
        attempts: attempt + 1,
      };
    restore();
  }
  return blur('still-matches');
}
