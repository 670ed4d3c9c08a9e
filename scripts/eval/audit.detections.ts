/**
 * Detections of the real engine on an evaluation set for the audits (`face-audit.ts`,
 * `plate-audit.ts`): one run per model at a low floor threshold, on each image and (faces) on its
 * mirror image, cached as JSON under eval-data/cache/ (git-ignored) so the audit can be re-read
 * and re-filtered without running the models again. Greedy matching that says, per detection,
 * which truth box it took.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEngine, type FaceModel, type PlateModel } from '../../src/engine/index.ts';
import type { PlateContext } from '../../src/engine/detectors.factory.ts';
import type { Detection, ObjectClass, RgbFrame } from '../../src/engine/types.ts';
import type { Xyxy } from './dataset.ts';
import { matchImage, type TruthBox } from './metrics.ts';
import { optionsFor, type EvalCase } from './run-set.ts';

export interface AuditDet {
  box: Xyxy;
  score: number;
  /**
   * Faces: 5 points, right eye, left eye, nose, right mouth corner, left mouth corner (image px);
   * whatever points the model gives otherwise (none for Veil's own detectors).
   */
  landmarks: [number, number][];
}

export interface ModelRun {
  model: string;
  /** Absent in caches written before plates were audited: 'face'. */
  cls?: ObjectClass;
  floor: number;
  /** Absent in caches written before plates were audited: true. */
  mirror?: boolean;
  /** The engine's plate context (absent in caches written before it existed: 'none'). */
  plateContext?: PlateContext;
  /** Per image name: detections on the image, and on its mirror (or none) mapped back to it. */
  images: Record<string, { dets: AuditDet[]; mirrored: AuditDet[] }>;
}

/** The image mirrored left-right. */
export function mirrorRgb(frame: RgbFrame): RgbFrame {
  const { width, height, data } = frame;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { width, height, data: out };
}

function toAudit(d: Detection, mirrorWidth?: number): AuditDet {
  const b = d.box;
  const pts = (d.landmarks ?? []).map((p) => [p[0], p[1]] as [number, number]);
  if (mirrorWidth === undefined)
    return { box: [b.x1, b.y1, b.x2, b.y2], score: d.score, landmarks: pts };
  const w = mirrorWidth;
  const m = pts.map(([x, y]) => [w - x, y] as [number, number]);
  // Mirroring swaps the sides: the mirror's right eye is the image's left eye.
  const landmarks = m.length === 5 ? [m[1], m[0], m[2], m[4], m[3]] : m;
  return { box: [w - b.x2, b.y1, w - b.x1, b.y2], score: d.score, landmarks };
}

/** What to run: a face or plate model of the engine, and whether on the mirror image too. */
export type AuditModel =
  | { cls: 'face'; model: FaceModel; mirror?: boolean }
  | { cls: 'plate'; model: PlateModel; mirror?: boolean };

/**
 * The plate context the evaluations run with: the engine's default (vehicles), or none with
 * `VEIL_PLATE_CONTEXT=none` (as the service reads it), for a cache to replay rules on.
 */
export const EVAL_PLATE_CONTEXT: PlateContext =
  process.env.VEIL_PLATE_CONTEXT === 'none' ? 'none' : 'vehicles';

/** Runs (or reads from `cacheFile`) one model over the cases at threshold `floor`. */
export async function runModel(
  spec: AuditModel,
  cases: EvalCase[],
  floor: number,
  cacheFile: string,
): Promise<ModelRun | string> {
  const { cls } = spec;
  const mirror = spec.mirror ?? true;
  if (existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as ModelRun;
    if (
      cached.floor === floor &&
      (cached.cls ?? 'face') === cls &&
      (cached.mirror ?? true) === mirror &&
      (cached.plateContext ?? 'none') === EVAL_PLATE_CONTEXT &&
      Object.keys(cached.images).length === cases.length
    )
      return cached;
  }
  let engine;
  try {
    engine = await createEngine({
      ...(spec.cls === 'face' ? { faceModel: spec.model } : { plateModel: spec.model }),
      plateContext: EVAL_PLATE_CONTEXT,
      workers: 1,
      threads: 1,
    });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const options = optionsFor({ cls, threshold: floor, slicing: false });
  const run: ModelRun = {
    model: spec.model,
    cls,
    floor,
    mirror,
    plateContext: EVAL_PLATE_CONTEXT,
    images: {},
  };
  try {
    for (const c of cases) {
      const frame = { data: c.rgb, width: c.width, height: c.height };
      const dets = (await engine.detect(frame, options)).filter((d) => d.cls === cls);
      const flipped = mirror
        ? (await engine.detect(mirrorRgb(frame), options)).filter((d) => d.cls === cls)
        : [];
      run.images[c.name] = {
        dets: dets.map((d) => toAudit(d)),
        mirrored: flipped.map((d) => toAudit(d, c.width)),
      };
    }
  } finally {
    await engine.close();
  }
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(run));
  return run;
}

/**
 * Strict greedy matching (`metrics.matchImage`): the truth box each detection took (-1 false, -2
 * on an ignored box), and which truth boxes were taken.
 */
export function assign(dets: AuditDet[], truth: TruthBox[], minIou = 0.3) {
  const { byDet, matched } = matchImage(dets, truth, minIou);
  return { byDet, taken: matched };
}
