/**
 * A far-away group for small-face tests: the committed group of five reduced until its largest
 * face is `facePx`, at the top left of a grey 960 x 540 frame (a detection copy's size).
 */
import sharp from 'sharp';
import { iou } from '../../../src/engine/box.ts';
import type { Box, RgbFrame } from '../../../src/engine/types.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';

export const FAR_GROUP = 'group-5-faces.jpg';

export async function farGroup(facePx: number): Promise<{ frame: RgbFrame; faces: Box[] }> {
  const t = truth(FAR_GROUP);
  const k = facePx / Math.max(...t.faces.map((f) => f.box.x2 - f.box.x1));
  const [w, h] = [Math.round(t.width * k), Math.round(t.height * k)];
  const { data } = await sharp(fixturePath(FAR_GROUP)!)
    .resize(w, h, { fit: 'fill' })
    .extend({ right: 960 - w, bottom: 540 - h, background: '#808080' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const faces = t.faces.map(({ box: b }) => ({
    x1: (b.x1 * w) / t.width,
    y1: (b.y1 * h) / t.height,
    x2: (b.x2 * w) / t.width,
    y2: (b.y2 * h) / t.height,
  }));
  return { frame: { data: new Uint8Array(data), width: 960, height: 540 }, faces };
}

export const hits = (found: Array<{ box: Box }>, faces: Box[]) =>
  faces.filter((f) => found.some((d) => iou(d.box, f) >= 0.3)).length;
