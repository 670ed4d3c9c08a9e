/**
 * Label check for the plate training folder (scripts/train-plate/README.md): some sources carry
 * boxes that are shifted or far larger than the plate. Runs HyperLPR3 (both models, threshold
 * 0.3) over every picture of OUT/labels.json from the listed sources and marks a picture
 * `checked: false` when one of its boxes has no HyperLPR3 plate at IoU >= --iou; prepare's
 * output is rewritten in place with a `checked` field on those pictures. Needs models/hyperlpr3.
 *
 *   node --import tsx scripts/train-plate/check-labels.ts .plate-data --sources experiment-plates
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createEngine } from '../../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';

interface Item {
  file: string;
  source: string;
  boxes: number[][];
  checked?: boolean;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sources: { type: 'string', default: 'experiment-plates' },
    iou: { type: 'string', default: '0.4' },
  },
});
const root = positionals[0] ?? '.plate-data';
const sources = new Set(values.sources.split(','));
const minIou = Number(values.iou);

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (r: number[]) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

const items = JSON.parse(readFileSync(join(root, 'labels.json'), 'utf8')) as Item[];
const engine = await createEngine({ plateModel: 'both', workers: 1, threads: 2 });
const options = {
  ...defaultAnonymizeOptions,
  blurFace: false,
  enableLp: true,
  lpThreshold: 0.3,
  slicing: false,
};
let kept = 0;
let dropped = 0;
try {
  for (const item of items) {
    if (!sources.has(item.source)) continue;
    const { data, info } = await sharp(join(root, 'img', item.file))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const dets = await engine.detect(
      { data: new Uint8Array(data), width: info.width, height: info.height },
      options,
    );
    const found = dets.map((d) => [d.box.x1, d.box.y1, d.box.x2, d.box.y2]);
    item.checked = item.boxes.every((b) => found.some((f) => iou(b, f) >= minIou));
    if (item.checked) kept++;
    else dropped++;
  }
} finally {
  await engine.close();
}
writeFileSync(join(root, 'labels.json'), JSON.stringify(items));
console.log(`checked ${kept + dropped}: ${kept} agree with HyperLPR3, ${dropped} do not`);
