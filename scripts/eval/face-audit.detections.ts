/**
 * Face detections of the real engine on eval-data/faces for the audit (`face-audit.ts`): one
 * run per model at a low floor threshold, on each image and on its mirror image, cached as JSON
 * under eval-data/cache/ (git-ignored) so the audit can be re-read and re-filtered without
 * running the models again. Greedy matching that says, per detection, which truth box it took.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEngine, type FaceModel } from '../../src/engine/index.ts';
import type { Detection, RgbFrame } from '../../src/engine/types.ts';
import type { Xyxy } from './dataset.ts';
import { iouXyxy } from './metrics.ts';
import { optionsFor, type EvalCase } from './run-set.ts';

export interface AuditDet {
  box: Xyxy;
  score: number;
  /** 5 points: right eye, left eye, nose, right mouth corner, left mouth corner (image px). */
  landmarks: [number, number][];
}

export interface ModelRun {
  model: string;
  floor: number;
  /** Per image name: detections on the image, and on its mirror mapped back to the image. */
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

/** Runs (or reads from `cacheFile`) one model over the cases at threshold `floor`. */
export async function runModel(
  model: FaceModel,
  cases: EvalCase[],
  floor: number,
  cacheFile: string,
): Promise<ModelRun | string> {
  if (existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as ModelRun;
    if (cached.floor === floor && Object.keys(cached.images).length === cases.length) return cached;
  }
  let engine;
  try {
    engine = await createEngine({ faceModel: model, workers: 1, threads: 1 });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const options = optionsFor({ cls: 'face', threshold: floor, slicing: false });
  const run: ModelRun = { model, floor, images: {} };
  try {
    for (const c of cases) {
      const frame = { data: c.rgb, width: c.width, height: c.height };
      const dets = (await engine.detect(frame, options)).filter((d) => d.cls === 'face');
      const flipped = (await engine.detect(mirrorRgb(frame), options)).filter(
        (d) => d.cls === 'face',
      );
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
 * Strict greedy matching as `metrics.matchImage` (IoU >= minIou, highest score first, ignored
 * boxes absorb), but returning the truth index each detection took: -1 false, -2 on an ignored box.
 */
export function assign(dets: AuditDet[], truth: { box: Xyxy; ignore?: boolean }[], minIou = 0.3) {
  const order = dets.map((_, i) => i).sort((a, b) => dets[b].score - dets[a].score);
  const taken = truth.map(() => false);
  const byDet = dets.map(() => -1);
  for (const d of order) {
    let best = -1;
    let bestIou = minIou;
    let ignored = false;
    truth.forEach((t, g) => {
      const o = iouXyxy(dets[d].box, t.box);
      if (o < minIou) return;
      if (t.ignore) ignored = true;
      else if (!taken[g] && o >= bestIou) {
        best = g;
        bestIou = o;
      }
    });
    if (best >= 0) {
      taken[best] = true;
      byDet[d] = best;
    } else if (ignored) byDet[d] = -2;
  }
  return { byDet, taken };
}
