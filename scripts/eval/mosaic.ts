/**
 * Mosaics: many evaluation images shrunk into one 4K frame, so the same annotated
 * faces appear small inside a large image (what `slicing` is for). Placement is
 * pure; composing the pixels uses sharp.
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { GtBox } from './dataset.ts';
import { markIgnored } from './dataset.ts';

export interface Placement {
  left: number;
  top: number;
  width: number;
  height: number;
  /** Per axis: rounding to whole pixels makes them differ slightly. */
  scaleX: number;
  scaleY: number;
}

/** Fits image i (w x h) into cell i of a cols x rows grid on a W x H canvas, centred, aspect kept. */
export function placeInGrid(
  index: number,
  w: number,
  h: number,
  grid: { cols: number; rows: number; width: number; height: number },
): Placement {
  const cellW = Math.floor(grid.width / grid.cols);
  const cellH = Math.floor(grid.height / grid.rows);
  const scale = Math.min(cellW / w, cellH / h);
  const width = Math.max(1, Math.round(w * scale));
  const height = Math.max(1, Math.round(h * scale));
  const col = index % grid.cols;
  const row = Math.floor(index / grid.cols);
  return {
    left: col * cellW + Math.floor((cellW - width) / 2),
    top: row * cellH + Math.floor((cellH - height) / 2),
    width,
    height,
    scaleX: width / w,
    scaleY: height / h,
  };
}

/** Boxes of a placed image in canvas pixels; re-applies the ignore rule at the new size. */
export function placeBoxes(boxes: GtBox[], p: Placement): GtBox[] {
  return markIgnored(
    boxes.map((b) => ({
      box: [
        p.left + b.box[0] * p.scaleX,
        p.top + b.box[1] * p.scaleY,
        p.left + b.box[2] * p.scaleX,
        p.top + b.box[3] * p.scaleY,
      ],
      ...(b.ignore ? { ignore: true } : {}),
    })),
    'face',
  );
}

export interface MosaicSource {
  path: string;
  width: number;
  height: number;
  boxes: GtBox[];
}

export interface Mosaic {
  name: string;
  width: number;
  height: number;
  /** Raw interleaved RGB, width x height x 3. */
  rgb: Uint8Array;
  boxes: GtBox[];
}

/** One mosaic per `cols x rows` images, in order; a last, partial grid stays black where empty. */
export async function buildMosaics(
  sources: MosaicSource[],
  cols: number,
  rows: number,
  width = 3840,
  height = 2160,
): Promise<Mosaic[]> {
  const per = cols * rows;
  const out: Mosaic[] = [];
  for (let start = 0; start < sources.length; start += per) {
    const layers: OverlayOptions[] = [];
    const boxes: GtBox[] = [];
    for (const [i, src] of sources.slice(start, start + per).entries()) {
      const p = placeInGrid(i, src.width, src.height, { cols, rows, width, height });
      const input = await sharp(src.path).resize(p.width, p.height, { fit: 'fill' }).toBuffer();
      layers.push({ input, left: p.left, top: p.top });
      boxes.push(...placeBoxes(src.boxes, p));
    }
    const { data } = await sharp({
      create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } },
    })
      .composite(layers)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    out.push({
      name: `mosaic-${cols}x${rows}-${start / per}`,
      width,
      height,
      rgb: new Uint8Array(data),
      boxes,
    });
  }
  return out;
}
