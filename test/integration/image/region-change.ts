/**
 * Measures how an anonymized photo differs from its original: per known object box, how much
 * fine detail is left and how far pixels moved; outside every (expanded) box, how far pixels moved.
 */
import sharp from 'sharp';
import type { Box } from '../../../src/engine/types.ts';

export interface BoxChange {
  /** Detail (mean neighbour difference) in the output over the input, inside the box's core. */
  detailKept: number;
  meanAbsDiff: number;
}

async function grey(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file)
    .rotate()
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function detail(img: { data: Buffer; width: number }, b: Box): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.round(b.y1); y < Math.round(b.y2) - 1; y++) {
    for (let x = Math.round(b.x1); x < Math.round(b.x2) - 1; x++) {
      const o = y * img.width + x;
      sum +=
        Math.abs(img.data[o] - img.data[o + 1]) + Math.abs(img.data[o] - img.data[o + img.width]);
      n += 2;
    }
  }
  return sum / Math.max(1, n);
}

/** The central 60% of a box: surely face/plate, whatever the covering shape. */
function core(b: Box): Box {
  const dx = (b.x2 - b.x1) * 0.2;
  const dy = (b.y2 - b.y1) * 0.2;
  return { x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 - dx, y2: b.y2 - dy };
}

export async function regionChange(
  inputFile: string,
  outputFile: string,
  boxes: Box[],
  outsideMargin = 1.0,
): Promise<{ inside: BoxChange[]; outside: { meanAbsDiff: number } }> {
  const a = await grey(inputFile);
  const b = await grey(outputFile);
  if (a.width !== b.width || a.height !== b.height) throw new Error('sizes differ');
  const inside = boxes.map((box) => {
    const c = core(box);
    let diff = 0;
    let n = 0;
    for (let y = Math.round(c.y1); y < Math.round(c.y2); y++) {
      for (let x = Math.round(c.x1); x < Math.round(c.x2); x++) {
        diff += Math.abs(a.data[y * a.width + x] - b.data[y * a.width + x]);
        n++;
      }
    }
    return {
      detailKept: detail(b, c) / Math.max(1e-6, detail(a, c)),
      meanAbsDiff: diff / Math.max(1, n),
    };
  });
  // Outside: boxes grown by `outsideMargin` of their size on each side.
  const grown = boxes.map((x) => {
    const w = (x.x2 - x.x1) * outsideMargin;
    const h = (x.y2 - x.y1) * outsideMargin;
    return { x1: x.x1 - w, y1: x.y1 - h, x2: x.x2 + w, y2: x.y2 + h };
  });
  let diff = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (grown.some((g) => x >= g.x1 && x < g.x2 && y >= g.y1 && y < g.y2)) continue;
      diff += Math.abs(a.data[y * a.width + x] - b.data[y * a.width + x]);
      n++;
    }
  }
  return { inside, outside: { meanAbsDiff: diff / Math.max(1, n) } };
}
