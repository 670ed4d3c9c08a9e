/** A committed group photo shrunk so that its faces are about 16 px: the small-face scene. */
import sharp from 'sharp';
import { iou } from '../../../src/engine/box.ts';
import type { Detection } from '../../../src/engine/types.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';

/** group-5-faces.jpg shrunk to 160 px wide on a 960 x 540 grey frame: faces of about 16 px. */
export async function smallFaces() {
  const k = 160 / 1920;
  const small = await sharp(fixturePath('group-5-faces.jpg')!).resize(160).toBuffer();
  const { data } = await sharp({
    create: { width: 960, height: 540, channels: 3, background: { r: 90, g: 90, b: 90 } },
  })
    .composite([{ input: small, left: 100, top: 100 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const faces = truth('group-5-faces.jpg').faces.map(({ box: b }) => ({
    x1: 100 + b.x1 * k,
    y1: 100 + b.y1 * k,
    x2: 100 + b.x2 * k,
    y2: 100 + b.y2 * k,
  }));
  /** How many of the drawn faces `found` hits (IoU >= 0.3). */
  const hits = (found: Detection[]): number =>
    faces.filter((f) => found.some((d) => iou(d.box, f) >= 0.3)).length;
  return { frame: { data: new Uint8Array(data), width: 960, height: 540 }, faces, hits };
}
