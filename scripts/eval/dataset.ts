/** The evaluation sets' file format (eval-data/<set>/annotations.json) and its loader. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type Xyxy = [number, number, number, number];

export interface GtBox {
  /** x1, y1, x2, y2 in pixels of the stored image. */
  box: Xyxy;
  /** Too small or unclear to demand: neither a miss nor, when matched, a false positive. */
  ignore?: boolean;
  /** Optional attribute from the source set, e.g. faces: 'mask' | 'no-mask'. */
  tag?: string;
}

export interface EvalImage {
  file: string;
  width: number;
  height: number;
  /** Where the image and its boxes come from (see eval-data/README.md for licences). */
  source: string;
  boxes: GtBox[];
}

export interface EvalSet {
  kind: 'face' | 'plate';
  images: EvalImage[];
}

/** Faces whose longer side is under 8 px, plates under 12x5 px, are ignored. */
export function isTooSmall(box: Xyxy, kind: EvalSet['kind']): boolean {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return kind === 'face' ? Math.max(w, h) < 8 : w < 12 || h < 5;
}

export function markIgnored(boxes: GtBox[], kind: EvalSet['kind']): GtBox[] {
  return boxes.map((b) => (isTooSmall(b.box, kind) ? { ...b, ignore: true } : b));
}

export interface LoadedSet extends EvalSet {
  /** Absolute or cwd-relative folder the image files live in. */
  dir: string;
}

export function loadEvalSet(annotationsPath: string): LoadedSet {
  const set = JSON.parse(readFileSync(annotationsPath, 'utf8')) as EvalSet;
  return { ...set, dir: dirname(annotationsPath) };
}

export function imagePath(set: LoadedSet, image: EvalImage): string {
  return join(set.dir, image.file);
}

/**
 * Where an evaluation file lives: `eval-data/<rel>` in the checkout, else `shared/eval-data/<rel>`
 * beside it. The images come from public datasets that this project may not commit (see
 * eval-data/README.md), so a checkout usually holds only the README and the results.
 */
export function evalDataPath(rel: string): string {
  const local = resolve('eval-data', rel);
  if (existsSync(local)) return local;
  const shared = resolve('..', 'shared', 'eval-data', rel);
  if (existsSync(shared)) return shared;
  throw new Error(
    `evaluation data ${rel} not found in eval-data/ or ../shared/eval-data/ (see eval-data/README.md)`,
  );
}
