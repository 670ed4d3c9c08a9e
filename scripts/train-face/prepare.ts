/**
 * Builds the training folder for Veil's face detector (scripts/train-face/README.md).
 *
 *   node --import tsx scripts/train-face/prepare.ts OUT --eval eval-data/faces \
 *     --src mask-wearing=mask:DIR --src ns18=yolo:DIR --src plain-name=plain:DIR \
 *     --src london=paste:DIR [--limit N]
 *
 * Source kinds: `yolo` (Roboflow export: * /images/*.jpg with * /labels/*.txt, every class a face),
 * `mask` (GDGCVITBHOPAL/ML-Reserve's flat train_img_N.jpg + YOLO train_label_N.jpg), `plain`
 * (pictures of people without face labels), `background` (pictures meant to hold no face: cars,
 * landscapes; whatever the teacher finds there, car fronts included, becomes an ignore region,
 * never a face), `paste` (portraits: the face is cut out for synthetic paste-ins, never used as
 * a picture).
 *
 * Every picture that is one of the evaluation photos (16x16 average hash of the whole picture,
 * mirrored too, against each --eval folder: eval-data/faces, and eval-data/plates where the
 * backgrounds come from the same set) is dropped, and so are near-duplicates. Labels follow
 * YuNet-n's box convention (Apache-2.0 teacher, models/yunet): a human box is replaced by the
 * YuNet box it holds (YuNet run at score >= 0.3, the picture at its size and enlarged 2x), or
 * else shrunk to 0.8 of its size (human boxes here are head-and-hair boxes, ~1.6x the detector
 * box by area); faces YuNet finds at >= 0.6 that no human box holds are added; YuNet faces at
 * 0.3-0.6 nobody labelled become `ignore` regions (no loss either way while training).
 *
 * Writes OUT/img/<n>.jpg (longest side at most --max-side), OUT/labels.json
 * [{file, source, origin, split, boxes, ignore}], OUT/paste/<n>.jpg + OUT/paste.json
 * [{file, box}] (face crops with the face box in crop pixels) and OUT/stats.json. Nothing it
 * writes may be committed (the pictures are third-party). Needs models/yunet.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { YunetFaceDetector } from '../../src/engine/face.detector.ts';
import { modelPath } from '../../src/engine/models.ts';
import { nms } from '../../src/engine/nms.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import type { Detection, RgbFrame } from '../../src/engine/types.ts';

type Box = [number, number, number, number];
type Kind = 'yolo' | 'mask' | 'plain' | 'background' | 'paste';

interface Item {
  file: string;
  source: string;
  origin: string;
  split: 'train' | 'val';
  boxes: Box[];
  ignore: Box[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    eval: { type: 'string', multiple: true, default: ['eval-data/faces'] },
    src: { type: 'string', multiple: true, default: [] },
    'max-side': { type: 'string', default: '640' },
    'paste-side': { type: 'string', default: '224' },
    quality: { type: 'string', default: '80' },
    'val-share': { type: 'string', default: '0.08' },
    limit: { type: 'string', default: '0' },
  },
});
const OUT = positionals[0] ?? '.face-data';
const MAX_SIDE = Number(values['max-side']);
const PASTE_SIDE = Number(values['paste-side']);
const QUALITY = Number(values.quality);
const VAL_SHARE = Number(values['val-share']);
const LIMIT = Number(values.limit);

/** YuNet thresholds: at least KEEP is a face; IGNORE..KEEP an unsure region; below, nothing. */
const KEEP = 0.6;
const IGNORE = 0.3;
/** A loose human box with no YuNet face in it is shrunk about its centre by this factor. */
const SHRINK = 0.8;

/** The picture as RGB, its longest side at most `maxSide` (YuNet runs on this). */
async function readRgb(path: string, maxSide = 1280): Promise<RgbFrame> {
  const { data, info } = await sharp(path)
    .rotate()
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

async function hashOf(frame: RgbFrame, mirror: boolean): Promise<Uint8Array> {
  let img = sharp(Buffer.from(frame.data), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  });
  if (mirror) img = img.flop();
  const g = await img.greyscale().resize(16, 16, { fit: 'fill' }).raw().toBuffer();
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  return Uint8Array.from(g, (v) => (v > mean ? 1 : 0));
}

function near(h: Uint8Array, bank: Uint8Array[], tol: number): boolean {
  return bank.some((b) => {
    let d = 0;
    for (let i = 0; i < h.length && d <= tol; i++) d += h[i] === b[i] ? 0 : 1;
    return d <= tol;
  });
}

function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (r: Box) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

const area = (r: Box) => (r[2] - r[0]) * (r[3] - r[1]);
const toBox = (d: Detection): Box => [d.box.x1, d.box.y1, d.box.x2, d.box.y2];

function yoloBoxes(text: string, w: number, h: number): Box[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((p) => p.length === 5 && p.every(Number.isFinite))
    .map(([, cx, cy, bw, bh]): Box => [
      (cx - bw / 2) * w,
      (cy - bh / 2) * h,
      (cx + bw / 2) * w,
      (cy + bh / 2) * h,
    ])
    .map((b): Box => [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(w, b[2]), Math.min(h, b[3])])
    .filter((b) => b[2] - b[0] >= 2 && b[3] - b[1] >= 2);
}

/** YuNet faces at score >= IGNORE, the picture as it is and (when small) enlarged 2x. */
async function teacher(
  det: YunetFaceDetector,
  frame: RgbFrame,
  enlarge: boolean,
): Promise<Detection[]> {
  const found = await det.detect(frame, IGNORE);
  if (enlarge && Math.max(frame.width, frame.height) <= 720) {
    const big = await sharp(Buffer.from(frame.data), {
      raw: { width: frame.width, height: frame.height, channels: 3 },
    })
      .resize(frame.width * 2, frame.height * 2)
      .raw()
      .toBuffer();
    const twice = await det.detect(
      {
        data: new Uint8Array(big.buffer, big.byteOffset, big.length),
        width: frame.width * 2,
        height: frame.height * 2,
      },
      IGNORE,
    );
    for (const d of twice) {
      found.push({
        ...d,
        box: { x1: d.box.x1 / 2, y1: d.box.y1 / 2, x2: d.box.x2 / 2, y2: d.box.y2 / 2 },
      });
    }
  }
  return nms(found, { iou: 0.4 });
}

/** Labels in YuNet's convention from the human boxes (maybe none) and the teacher's faces. */
export function mergeLabels(
  human: Box[],
  faces: Detection[],
): { boxes: Box[]; ignore: Box[]; replaced: number; shrunk: number; added: number } {
  const used = new Set<number>();
  const boxes: Box[] = [];
  let replaced = 0;
  let shrunk = 0;
  for (const h of human) {
    let best = -1;
    let bestIou = 0.15;
    faces.forEach((f, i) => {
      if (used.has(i)) return;
      const b = toBox(f);
      const cx = (b[0] + b[2]) / 2;
      const cy = (b[1] + b[3]) / 2;
      const inside = cx >= h[0] && cx <= h[2] && cy >= h[1] && cy <= h[3];
      const v = iou(b, h);
      if (inside && area(b) <= 1.3 * area(h) && v > bestIou) {
        best = i;
        bestIou = v;
      }
    });
    if (best >= 0) {
      used.add(best);
      boxes.push(toBox(faces[best]));
      replaced++;
    } else {
      const cx = (h[0] + h[2]) / 2;
      const cy = (h[1] + h[3]) / 2 + 0.04 * (h[3] - h[1]);
      const hw = ((h[2] - h[0]) * SHRINK) / 2;
      const hh = ((h[3] - h[1]) * SHRINK) / 2;
      boxes.push([cx - hw, cy - hh, cx + hw, cy + hh]);
      shrunk++;
    }
  }
  const ignore: Box[] = [];
  let added = 0;
  faces.forEach((f, i) => {
    if (used.has(i)) return;
    const b = toBox(f);
    if (boxes.some((k) => iou(k, b) > 0.3)) return;
    if (f.score >= KEEP) {
      boxes.push(b);
      added++;
    } else ignore.push(b);
  });
  return { boxes, ignore, replaced, shrunk, added };
}

function listJpegs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJpegs(p));
    else if (/\.(jpe?g|png)$/i.test(name) && !name.startsWith('._')) out.push(p);
  }
  return out;
}

/** The pictures of a source with their human boxes' file (if any). */
function pictures(kind: Kind, dir: string): { path: string; labels?: string; origin: string }[] {
  const all = listJpegs(dir);
  if (kind === 'mask') {
    return all
      .filter((p) => /train_img_\d+\.jpg$/.test(p))
      .map((p) => ({
        path: p,
        labels: p.replace('train_img_', 'train_label_').replace('/images/', '/labels/'),
        origin: basename(p, '.jpg'),
      }));
  }
  if (kind === 'yolo') {
    return all
      .filter((p) => p.includes('/images/'))
      .map((p) => ({
        path: p,
        labels: join(dirname(dirname(p)), 'labels', basename(p).replace(/\.(jpe?g|png)$/i, '.txt')),
        // Roboflow names: <original>_jpg.rf.<hash>.jpg; augmented copies share the original.
        origin: basename(p).split(/_(jpe?g|png)\.rf\./)[0],
      }));
  }
  return all.map((p) => ({ path: p, origin: basename(p).replace(/\.(jpe?g|png)$/i, '') }));
}

function readText(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const det = new YunetFaceDetector(await openSession(modelPath('yunet'), { threads: 2 }));
  const evalHashes: Uint8Array[] = [];
  for (const dir of values.eval) {
    const ann = JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')) as {
      images: { file: string }[];
    };
    for (const im of ann.images) {
      const f = await readRgb(join(dir, im.file), 100000);
      evalHashes.push(await hashOf(f, false), await hashOf(f, true));
    }
    console.log(`eval: ${ann.images.length} pictures of ${dir} hashed`);
  }
  mkdirSync(join(OUT, 'img'), { recursive: true });
  mkdirSync(join(OUT, 'paste'), { recursive: true });
  const items: Item[] = [];
  const pastes: { file: string; box: Box; source: string; origin: string }[] = [];
  const seen: Uint8Array[] = [];
  const stats: Record<string, Record<string, number>> = {};
  for (const spec of values.src) {
    const [name, rest] = spec.split(/=(.*)/s);
    const [kindStr, dir] = rest.split(/:(.*)/s);
    const kind = kindStr as Kind;
    const st = (stats[name] = {
      read: 0,
      eval_hash: 0,
      duplicate: 0,
      kept: 0,
      no_face: 0,
      boxes: 0,
      ignore: 0,
      replaced: 0,
      shrunk: 0,
      added: 0,
    });
    let list = pictures(kind, dir);
    if (LIMIT) list = list.slice(0, LIMIT);
    for (const pic of list) {
      st.read++;
      const frame = await readRgb(pic.path, kind === 'paste' ? 720 : 1280);
      const h = await hashOf(frame, false);
      if (near(h, evalHashes, 24)) {
        st.eval_hash++;
        continue;
      }
      if (near(h, seen, 6)) {
        st.duplicate++;
        continue;
      }
      seen.push(h);
      const faces = await teacher(det, frame, kind !== 'paste');
      if (kind === 'paste') {
        const best = faces.filter((f) => f.score >= KEEP).sort((a, b) => b.score - a.score)[0];
        if (!best) {
          st.no_face++;
          continue;
        }
        const [x1, y1, x2, y2] = toBox(best);
        const fw = x2 - x1;
        const fh = y2 - y1;
        // Head, hair and some neck around the face box.
        const cx1 = Math.max(0, Math.round(x1 - fw * 0.55));
        const cy1 = Math.max(0, Math.round(y1 - fh * 0.6));
        const cx2 = Math.min(frame.width, Math.round(x2 + fw * 0.55));
        const cy2 = Math.min(frame.height, Math.round(y2 + fh * 0.35));
        const s = Math.min(1, PASTE_SIDE / Math.max(cx2 - cx1, cy2 - cy1));
        const w = Math.round((cx2 - cx1) * s);
        const hgt = Math.round((cy2 - cy1) * s);
        const file = `${String(pastes.length).padStart(4, '0')}.jpg`;
        await sharp(Buffer.from(frame.data), {
          raw: { width: frame.width, height: frame.height, channels: 3 },
        })
          .extract({ left: cx1, top: cy1, width: cx2 - cx1, height: cy2 - cy1 })
          .resize(w, hgt)
          .jpeg({ quality: 88 })
          .toFile(join(OUT, 'paste', file));
        const r = (v: number) => Math.round(v * 10) / 10;
        pastes.push({
          file,
          source: name,
          origin: pic.origin,
          box: [r((x1 - cx1) * s), r((y1 - cy1) * s), r((x2 - cx1) * s), r((y2 - cy1) * s)],
        });
        st.kept++;
        st.boxes++;
        continue;
      }
      const text = readText(pic.labels);
      const human = text ? yoloBoxes(text, frame.width, frame.height) : [];
      const merged =
        kind === 'background'
          ? { boxes: [], ignore: faces.map(toBox), replaced: 0, shrunk: 0, added: 0 }
          : mergeLabels(human, faces);
      st.replaced += merged.replaced;
      st.shrunk += merged.shrunk;
      st.added += merged.added;
      const s = Math.min(1, MAX_SIDE / Math.max(frame.width, frame.height));
      const w = Math.round(frame.width * s);
      const hgt = Math.round(frame.height * s);
      const file = `${String(items.length).padStart(5, '0')}.jpg`;
      await sharp(Buffer.from(frame.data), {
        raw: { width: frame.width, height: frame.height, channels: 3 },
      })
        .resize(w, hgt)
        .jpeg({ quality: QUALITY, mozjpeg: true })
        .toFile(join(OUT, 'img', file));
      const sc = (b: Box): Box => b.map((v) => Math.round(v * s * 10) / 10) as Box;
      const digest = createHash('sha1').update(`${name}/${pic.origin}`).digest();
      const split = digest.readUInt16BE(0) / 65536 < VAL_SHARE ? 'val' : 'train';
      items.push({
        file,
        source: name,
        origin: pic.origin,
        split,
        boxes: merged.boxes.map(sc),
        ignore: merged.ignore.map(sc),
      });
      st.kept++;
      st.boxes += merged.boxes.length;
      st.ignore += merged.ignore.length;
      if (merged.boxes.length === 0) st.no_face++;
    }
    console.log(name, JSON.stringify(st));
  }
  await det.close();
  writeFileSync(join(OUT, 'labels.json'), JSON.stringify(items));
  writeFileSync(join(OUT, 'paste.json'), JSON.stringify(pastes));
  const splits = {
    train: items.filter((i) => i.split === 'train').length,
    val: items.filter((i) => i.split === 'val').length,
  };
  writeFileSync(
    join(OUT, 'stats.json'),
    JSON.stringify({ sources: stats, splits, pastes: pastes.length }, null, 1) + '\n',
  );
  console.log(JSON.stringify({ splits, pastes: pastes.length }));
}

await main();
