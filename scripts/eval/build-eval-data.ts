/**
 * One-off builder of `eval-data/` from local copies of the public source sets
 * (see eval-data/README.md for where each comes from and its licence). Kept so
 * the subset can be rebuilt or grown the same way; `npm run eval` never runs it.
 *
 *   node --import tsx scripts/eval/build-eval-data.ts --mask DIR --oi DIR
 *
 * --mask: Roboflow "Mask Wearing v4 raw" as in GDGCVITBHOPAL/ML-Reserve
 *         (train_img_N.jpg + YOLO labels train_label_N.jpg)
 * --oi:   Roboflow "License Plates v3" (Open Images subset) as in
 *         TechKhid/LicensePlateDetection, flattened to <split>__<name>.jpg + .txt (YOLO)
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { EvalImage, EvalSet, GtBox } from './dataset.ts';
import { markIgnored } from './dataset.ts';

const MAX_SIDE = 1280;
const OUT = 'eval-data';
const PLATE_IMAGES = 120;

/** Train images whose label files match (the test split's were renamed out of order). */
const FACE_IMAGES = [
  7, 130, 3, 64, 62, 93, 65, 19, 127, 104, 57, 52, 33, 17, 106, 87, 43, 68, 38, 118, 69, 55, 53, 26,
  84, 60, 47, 13, 105, 89, 67, 29, 114, 9, 51, 34,
];

interface Written {
  width: number;
  height: number;
  scale: number;
}

async function writeJpeg(src: string, dest: string, quality: number): Promise<Written> {
  const meta = await sharp(src).rotate().metadata();
  const w0 = meta.autoOrient?.width ?? meta.width ?? 0;
  const h0 = meta.autoOrient?.height ?? meta.height ?? 0;
  const scale = Math.min(1, MAX_SIDE / Math.max(w0, h0));
  const width = Math.round(w0 * scale);
  const height = Math.round(h0 * scale);
  await sharp(src)
    .rotate()
    .resize(width, height)
    .removeAlpha()
    .jpeg({ quality, mozjpeg: true })
    .toFile(dest);
  return { width, height, scale: width / w0 };
}

function yoloBoxes(text: string, cls: number, w: number, h: number): GtBox[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((p) => p.length === 5 && p[0] === cls)
    .map(([, cx, cy, bw, bh]) => ({
      box: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h],
    }));
}

const round = (b: GtBox): GtBox => ({
  ...b,
  box: b.box.map((v) => Math.round(v * 10) / 10) as GtBox['box'],
});

async function buildFaces(dir: string): Promise<EvalSet> {
  mkdirSync(join(OUT, 'faces'), { recursive: true });
  const images: EvalImage[] = [];
  for (const n of FACE_IMAGES) {
    const file = `mask-wearing-${n}.jpg`;
    const w = await writeJpeg(join(dir, `train_img_${n}.jpg`), join(OUT, 'faces', file), 78);
    // Both classes (mask, no-mask) are face boxes.
    const text = readFileSync(join(dir, `train_label_${n}.jpg`), 'utf8');
    const boxes = [
      ...yoloBoxes(text, 0, w.width, w.height).map((b) => ({ ...b, tag: 'mask' })),
      ...yoloBoxes(text, 1, w.width, w.height).map((b) => ({ ...b, tag: 'no-mask' })),
    ];
    images.push({
      file,
      width: w.width,
      height: w.height,
      source: `Roboflow Mask Wearing v4 raw, train_img_${n}.jpg (scaled x${w.scale.toFixed(3)})`,
      boxes: markIgnored(boxes.map(round), 'face'),
    });
  }
  return { kind: 'face', images };
}

async function buildOpenImagesPlates(dir: string, count: number): Promise<EvalImage[]> {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const images: EvalImage[] = [];
  for (const name of names) {
    if (images.length >= count) break;
    const text = readFileSync(join(dir, name.replace(/\.jpg$/, '.txt')), 'utf8');
    const oiId = name.split('__')[1].split('_jpg')[0];
    const file = `openimages-${oiId}.jpg`;
    // Already small (416x416): keep the original bytes rather than re-encode.
    copyFileSync(join(dir, name), join(OUT, 'plates', file));
    const meta = await sharp(join(dir, name)).metadata();
    const w = { width: meta.width ?? 0, height: meta.height ?? 0 };
    const boxes = markIgnored(yoloBoxes(text, 0, w.width, w.height).map(round), 'plate');
    if (!boxes.some((b) => !b.ignore)) continue;
    images.push({
      file,
      width: w.width,
      height: w.height,
      source: `Open Images ${oiId} via Roboflow License Plates v3 (416x416 stretched)`,
      boxes,
    });
  }
  return images;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mask: { type: 'string' }, oi: { type: 'string' } },
  });
  if (!values.mask || !values.oi) throw new Error('need --mask and --oi');
  const faces = await buildFaces(values.mask);
  writeFileSync(join(OUT, 'faces', 'annotations.json'), JSON.stringify(faces, null, 1) + '\n');
  mkdirSync(join(OUT, 'plates'), { recursive: true });
  const plates: EvalSet = {
    kind: 'plate',
    images: await buildOpenImagesPlates(values.oi, PLATE_IMAGES),
  };
  writeFileSync(join(OUT, 'plates', 'annotations.json'), JSON.stringify(plates, null, 1) + '\n');
  for (const set of [faces, plates]) {
    const all = set.images.flatMap((i) => i.boxes);
    const kept = all.filter((b) => !b.ignore).length;
    console.log(
      `${set.kind}: ${set.images.length} images, ${kept} boxes (+${all.length - kept} ignored)`,
    );
  }
}

await main();
