/**
 * Synthetic test clips with known object positions: real face crops (from the committed
 * test photos in test/fixtures/images) moving over a generated background, optionally blurred or half
 * occluded on chosen frames, drawn by ffmpeg. Used by the video tests, scripts/eval-video.ts
 * and scripts/bench.ts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import sharp from 'sharp';
import { iou } from '../../../src/engine/box.ts';
import type { Box, Detection, RgbFrame } from '../../../src/engine/types.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { drawPlate } from '../../fixtures/images/drawn-plate.ts';
import { FIXTURES, fixturePath, truth } from '../../fixtures/images/fixtures.ts';

const FACES_DIR = path.resolve(import.meta.dirname, '../../../eval-data/faces');

export interface FaceCrop {
  file: string;
  width: number;
  height: number;
  /** The face's box inside the crop. */
  face: Box;
}

/**
 * The annotated faces of the committed test photos (test/fixtures/images), largest first, every
 * other one first (neighbours in size are often from the same photo), then the rest.
 */
function fixtureFaces(): Array<{ file: string; width: number; height: number; box: Box }> {
  const faces = FIXTURES.flatMap((name) => {
    const file = fixturePath(name);
    if (!file) return [];
    const t = truth(name);
    return t.faces
      .filter((f) => !f.hard)
      .map((f) => ({ file, width: t.width, height: t.height, box: f.box }));
  }).sort((a, b) => b.box.x2 - b.box.x1 - (a.box.x2 - a.box.x1));
  return [...faces.filter((_, i) => i % 2 === 0), ...faces.filter((_, i) => i % 2 === 1)];
}

/**
 * Writes `count` face crops (from the committed test photos, face side about `faceSize` px,
 * with a margin of context) as PNGs into `dir`; fewer when the photos hold fewer faces.
 */
export async function faceCrops(dir: string, count: number, faceSize: number): Promise<FaceCrop[]> {
  const out: FaceCrop[] = [];
  for (const { file: photo, width: pw, height: ph, box } of fixtureFaces().slice(0, count)) {
    const { x1, y1, x2, y2 } = box;
    const m = 0.35 * Math.max(x2 - x1, y2 - y1);
    const left = Math.max(0, Math.floor(x1 - m));
    const top = Math.max(0, Math.floor(y1 - m));
    const right = Math.min(pw, Math.ceil(x2 + m));
    const bottom = Math.min(ph, Math.ceil(y2 + m));
    const scale = faceSize / Math.max(x2 - x1, y2 - y1);
    const file = path.join(dir, `face-${faceSize}-${out.length}.png`);
    out.push(await writeCrop(photo, { left, top, right, bottom }, scale, box, file));
  }
  return out;
}

/**
 * Writes the part `rect` (whole pixels) of `photo`, scaled by `scale`, as a PNG at `file`; the
 * crop's `face` is `box` (photo pixels) in the crop's pixels.
 */
export async function writeCrop(
  photo: string,
  rect: { left: number; top: number; right: number; bottom: number },
  scale: number,
  box: Box,
  file: string,
): Promise<FaceCrop> {
  const { left, top, right, bottom } = rect;
  const width = Math.round((right - left) * scale);
  const height = Math.round((bottom - top) * scale);
  await sharp(photo)
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(width, height)
    .png()
    .toFile(file);
  const face = {
    x1: (box.x1 - left) * scale,
    y1: (box.y1 - top) * scale,
    x2: (box.x2 - left) * scale,
    y2: (box.y2 - top) * scale,
  };
  return { file, width, height, face };
}

export interface MovingObject {
  crop: FaceCrop;
  /** Crop's top-left on frame 0 and its motion in pixels per frame. */
  x0: number;
  y0: number;
  vx: number;
  vy: number;
  /** Frame ranges [from, to] (inclusive) where the crop is blurred / half covered. */
  blurred?: Array<[number, number]>;
  occluded?: Array<[number, number]>;
  /** First frame the crop is drawn on (default 0): a face that appears in the scene. */
  appear?: number;
}

export interface ClipSpec {
  output: string;
  width: number;
  height: number;
  /** Frame rate as a fraction string ("25", "30000/1001"). */
  fps: string;
  frames: number;
  objects?: MovingObject[];
  audio?: boolean;
  /** Encoder arguments (default H.264 veryfast, or VP9 for .webm; AAC/Opus audio). */
  codecArgs?: string[];
  /**
   * A photo (path) as background instead of ffmpeg's test pattern: scaled to 1.25x the frame,
   * panned slowly, with light temporal noise like a camera's. Default: test pattern.
   */
  background?: string;
  /** Audio encoder arguments (default AAC, Opus for .webm). */
  audioArgs?: string[];
  /** Display rotation tag written on the stream (mp4/mov), clockwise degrees. */
  rotateTag?: number;
}

const within = (n: string, ranges: Array<[number, number]> = []) =>
  ranges.length === 0 ? '0' : ranges.map(([a, b]) => `between(${n},${a},${b})`).join('+');

/** Renders a clip with ffmpeg. */
export function synthClip(spec: ClipSpec): void {
  const objects = spec.objects ?? [];
  const inputs = spec.background
    ? ['-loop', '1', '-framerate', spec.fps, '-i', spec.background]
    : ['-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`];
  for (const o of objects) inputs.push('-loop', '1', '-framerate', spec.fps, '-i', o.crop.file);
  if (spec.audio) inputs.push('-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000');
  const graph: string[] = [];
  let base = '0:v';
  if (spec.background) {
    const [w, h] = [Math.round(spec.width * 1.25), Math.round(spec.height * 1.25)];
    const pan = `x='(iw-${spec.width})/2*(1+sin(n/40))':y='(ih-${spec.height})/2'`;
    graph.push(
      `[0:v]scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${spec.width}:${spec.height}:${pan},noise=alls=4:allf=t,format=yuv420p[bg]`,
    );
    base = 'bg';
  }
  // Frame number from the frame's time: overlay's own `n` counts from 1 in the shipped ffmpeg
  // (its first frame drawn where `groundTruth` puts frame 1); the timeline's `n` is right.
  const frameNo = `round(t*${fpsOf(spec.fps)})`;
  objects.forEach((o, i) => {
    const k = i + 1;
    const x = `${o.x0}+${o.vx}*${frameNo}`;
    const y = `${o.y0}+${o.vy}*${frameNo}`;
    const blur = within('n', o.blurred);
    const occ = within('n', o.occluded);
    // Drawn from `appear` on (the timeline's n, as the ranges).
    const shown = o.appear ? `gte(n,${o.appear})*` : '';
    graph.push(`[${k}:v]format=rgba,split[s${k}][b${k}0]`, `[b${k}0]boxblur=6:2[b${k}]`);
    graph.push(`[${base}][s${k}]overlay=x='${x}':y='${y}':enable='${shown}not(${blur})'[o${k}a]`);
    graph.push(`[o${k}a][b${k}]overlay=x='${x}':y='${y}':enable='${shown}(${blur})'[o${k}b]`);
    const ow = o.crop.width;
    const oh = Math.round(o.crop.height * 0.55);
    graph.push(`color=c=0x707070:s=${ow}x${oh}:r=${spec.fps}[c${k}]`);
    graph.push(`[o${k}b][c${k}]overlay=x='${x}':y='${y}':enable='${shown}(${occ})'[o${k}]`);
    base = `o${k}`;
  });
  const webm = spec.output.endsWith('.webm');
  const codec =
    spec.codecArgs ??
    (webm
      ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-crf', '30', '-b:v', '0']
      : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20']);
  const audio = spec.audio
    ? ['-map', `${objects.length + 1}:a`, ...(spec.audioArgs ?? ['-c:a', webm ? 'libopus' : 'aac'])]
    : [];
  const rotate = spec.rotateTag ? ['-metadata:s:v:0', `rotate=${spec.rotateTag}`] : [];
  const args = [
    '-v',
    'error',
    '-y',
    ...inputs,
    ...(graph.length ? ['-filter_complex', graph.join(';'), '-map', `[${base}]`] : ['-map', '0:v']),
    ...audio,
    ...codec,
    '-pix_fmt',
    'yuv420p',
    '-frames:v',
    String(spec.frames),
    ...(spec.audio ? ['-t', String(spec.frames / fpsOf(spec.fps))] : []),
    spec.output,
  ];
  execFileSync(ffmpegPaths().ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (rotate.length) {
    // The 2018 ffmpeg keeps a rotate tag only on stream copy: tag in a second pass.
    const tmp = spec.output.replace(/(\.\w+)$/, '.rot$1');
    execFileSync(ffmpegPaths().ffmpeg, [
      '-v',
      'error',
      '-y',
      '-i',
      spec.output,
      '-map',
      '0',
      '-c',
      'copy',
      ...rotate,
      tmp,
    ]);
    execFileSync('mv', [tmp, spec.output]);
  }
}

/** A real street photo with few faces, for backgrounds (evaluation data, not shipped). */
export const STREET_PHOTO = path.join(FACES_DIR, 'mask-wearing-34.jpg');

export function fpsOf(fraction: string): number {
  const [n, d] = fraction.split('/').map(Number);
  return d ? n / d : n;
}

/** Where each object's face is on frame `n`, and whether it is blurred or occluded there. */
export function groundTruth(
  objects: MovingObject[],
  n: number,
  width: number,
  height: number,
): Array<{ box: Box; hard: boolean; index: number }> {
  const inRange = (r: Array<[number, number]> = []) => r.some(([a, b]) => n >= a && n <= b);
  return objects
    .map((o, index) => {
      const x = o.x0 + o.vx * n;
      const y = o.y0 + o.vy * n;
      const f = o.crop.face;
      const box = { x1: x + f.x1, y1: y + f.y1, x2: x + f.x2, y2: y + f.y2 };
      return { box, hard: inRange(o.blurred) || inRange(o.occluded), index };
    })
    .filter(({ box, index }) => {
      if (n < (objects[index].appear ?? 0)) return false;
      // Count a face once at least a quarter of it is inside the frame.
      const w = Math.min(box.x2, width) - Math.max(box.x1, 0);
      const h = Math.min(box.y2, height) - Math.max(box.y1, 0);
      return w > 0 && h > 0 && w * h >= 0.25 * (box.x2 - box.x1) * (box.y2 - box.y1);
    });
}

/** Share of `gt` covered by the union of `boxes` (sampled on a 12x12 grid). */
export function coveredShare(gt: Box, boxes: Box[]): number {
  let inside = 0;
  const n = 12;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = gt.x1 + ((i + 0.5) * (gt.x2 - gt.x1)) / n;
      const y = gt.y1 + ((j + 0.5) * (gt.y2 - gt.y1)) / n;
      if (boxes.some((b) => b.x1 <= x && x <= b.x2 && b.y1 <= y && y <= b.y2)) inside++;
    }
  }
  return inside / (n * n);
}

export interface CoverageReport {
  /** Object-frames where the face was visible. */
  objectFrames: number;
  /** Of those, object-frames left uncovered (less than `minShare` of the face covered). */
  uncovered: number;
  /** Uncovered object-frames among the blurred/occluded ones. */
  uncoveredHard: number;
  /** Frame indexes with an uncovered face. */
  frames: number[];
  /** Uncovered object-frames of each object (`objects` order). */
  byObject: number[];
}

/** Compares the boxes drawn per frame with where the faces really were. */
export function coverage(
  drawn: Array<{ frame: number; objects: Array<{ box: Box }> }>,
  objects: MovingObject[],
  width: number,
  height: number,
  minShare = 0.6,
): CoverageReport {
  const report: CoverageReport = {
    objectFrames: 0,
    uncovered: 0,
    uncoveredHard: 0,
    frames: [],
    byObject: objects.map(() => 0),
  };
  for (const { frame, objects: found } of drawn) {
    for (const gt of groundTruth(objects, frame, width, height)) {
      report.objectFrames++;
      const visible = {
        x1: Math.max(gt.box.x1, 0),
        y1: Math.max(gt.box.y1, 0),
        x2: Math.min(gt.box.x2, width),
        y2: Math.min(gt.box.y2, height),
      };
      if (
        coveredShare(
          visible,
          found.map((f) => f.box),
        ) >= minShare
      )
        continue;
      report.uncovered++;
      report.byObject[gt.index]++;
      if (gt.hard) report.uncoveredHard++;
      if (report.frames.at(-1) !== frame) report.frames.push(frame);
    }
  }
  return report;
}

/**
 * Objects of `cls` the detector finds on a crop padded with grey (half a crop each side), in
 * crop pixels.
 */
async function detectOnCrop(
  crop: FaceCrop,
  detect: (frame: RgbFrame) => Promise<Detection[]>,
  cls: Detection['cls'],
): Promise<Box[]> {
  const pad = Math.round(Math.max(crop.width, crop.height) / 2);
  const { data, info } = await sharp(crop.file)
    .removeAlpha()
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: '#808080' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const found = await detect({ data, width: info.width, height: info.height });
  return found
    .filter((d) => d.cls === cls)
    .map((d) => ({
      x1: d.box.x1 - pad,
      y1: d.box.y1 - pad,
      x2: d.box.x2 - pad,
      y2: d.box.y2 - pad,
    }));
}

/**
 * Replaces each crop's annotated face box with the box the detector itself draws on the
 * clean crop (annotations include hair and chin, detector boxes are tighter), so that the
 * evaluation measures what tracking adds, not the two box conventions. Crops the running
 * detector misses even when clean are left out: each model has its own blind spots. `cls`:
 * 'plate' for crops around plates (`crop.face` is then the plate).
 */
export async function calibrateCrops(
  crops: FaceCrop[],
  detect: (frame: RgbFrame) => Promise<Detection[]>,
  cls: Detection['cls'] = 'face',
): Promise<FaceCrop[]> {
  const out: FaceCrop[] = [];
  for (const crop of crops) {
    const shifted = await detectOnCrop(crop, detect, cls);
    // The detection whose centre lies in the annotated box, the largest overlap first.
    const f = crop.face;
    const best = shifted
      .filter((d) => {
        const cx = (d.x1 + d.x2) / 2;
        const cy = (d.y1 + d.y2) / 2;
        return cx > f.x1 && cx < f.x2 && cy > f.y1 && cy < f.y2;
      })
      .sort((p, q) => iou(q, f) - iou(p, f))[0];
    if (best) out.push({ ...crop, face: best });
  }
  return out;
}

/** The first `count` face crops (see faceCrops) that the detector finds, calibrated. */
export async function detectedCrops(
  dir: string,
  count: number,
  faceSize: number,
  detect: (frame: RgbFrame) => Promise<Detection[]>,
): Promise<FaceCrop[]> {
  const all = await calibrateCrops(await faceCrops(dir, Infinity, faceSize), detect);
  if (all.length < count) throw new Error(`only ${all.length} face crops detected`);
  return all.slice(0, count);
}

/**
 * The evaluation scene: three faces, one entering, one leaving, one small; hard frames. Sizes,
 * places and speeds are those of 720p scaled by `height / 720`.
 */
export async function evalScene(
  dir: string,
  frames: number,
  detect: (frame: RgbFrame) => Promise<Detection[]>,
  width = 1280,
  height = 720,
  fps = '25',
) {
  const k = height / 720;
  const [a, b] = await detectedCrops(dir, 2, Math.round(120 * k), detect);
  const [c] = (await detectedCrops(dir, 3, Math.round(70 * k), detect)).slice(2);
  const at = (share: number) => Math.round(frames * share);
  const objects: MovingObject[] = [
    {
      crop: a,
      x0: -a.width,
      y0: 80 * k,
      vx: 6 * k,
      vy: 0.5 * k,
      blurred: [[at(0.3), at(0.3) + 6]],
      occluded: [[at(0.6), at(0.6) + 5]],
    },
    {
      crop: b,
      x0: width - b.width - 300 * k,
      y0: 330 * k,
      vx: 4 * k,
      vy: -0.5 * k,
      occluded: [[at(0.2), at(0.2) + 6]],
      blurred: [[at(0.45), at(0.45) + 5]],
    },
    {
      crop: c,
      x0: 520 * k,
      y0: 420 * k,
      vx: -1.5 * k,
      vy: -1 * k,
      blurred: [[at(0.7), at(0.7) + 8]],
    },
  ];
  const clip = `${dir}/eval.mp4`;
  synthClip({ output: clip, width, height, fps, frames, objects });
  let hardFrames = 0;
  for (let n = 0; n < frames; n++) {
    hardFrames += groundTruth(objects, n, width, height).filter((g) => g.hard).length;
  }
  return { clip, objects, width, height, hardFrames };
}

/**
 * A "car" for plate clips: an EU plate reading `AB 123 CD` drawn onto a committed photo (no car
 * photo with a plate can be committed), the photo's lower left cut out as the moving object,
 * starting at (100, 60) and moving 3 px right and 1 px down per frame. `crop.face` is the plate.
 */
export async function movingPlateCar(dir: string): Promise<MovingObject> {
  const drawn = await drawPlate(fixturePath('group-5-faces.jpg')!, 'AB 123 CD', 200, 1250, 220);
  const [left, top, width, height] = [0, 1000, 600, drawn.frame.height - 1000];
  const file = path.join(dir, 'car.png');
  await sharp(Buffer.from(drawn.frame.data), {
    raw: { width: drawn.frame.width, height: drawn.frame.height, channels: 3 },
  })
    .extract({ left, top, width, height })
    .png()
    .toFile(file);
  const b = drawn.box;
  const plate = { x1: b.x1 - left, y1: b.y1 - top, x2: b.x2 - left, y2: b.y2 - top };
  return { crop: { file, width, height, face: plate }, x0: 100, y0: 60, vx: 3, vy: 1 };
}

export interface IdentityReport {
  /** Frames where an object's matched track id differs from its previous matched frame's. */
  switches: number;
  /** Distinct track ids matched per object (`objects` order); 1 is ideal. */
  idsPerObject: number[];
  /** Track ids matched to more than one object (a track that jumped from one face to another). */
  sharedIds: number;
  /** Each switch: the frame, the object's index, the track ids before and after. */
  events: Array<{ frame: number; index: number; from: number; to: number }>;
}

/**
 * How steadily each moving object keeps one track id (what `syn` keys its synthetic person
 * by): on every frame the object's box is matched to the drawn box of best IoU (>= 0.3) that
 * carries a track id.
 */
export function identity(
  drawn: Array<{ frame: number; objects: Array<{ box: Box; trackId?: number }> }>,
  objects: MovingObject[],
  width: number,
  height: number,
): IdentityReport {
  const last: Array<number | undefined> = objects.map(() => undefined);
  const ids = objects.map(() => new Set<number>());
  const owners = new Map<number, Set<number>>();
  const events: IdentityReport['events'] = [];
  for (const { frame, objects: found } of drawn) {
    for (const gt of groundTruth(objects, frame, width, height)) {
      let best: { id: number; o: number } | undefined;
      for (const f of found) {
        if (f.trackId === undefined) continue;
        const o = iou(gt.box, f.box);
        if (o >= 0.3 && (!best || o > best.o)) best = { id: f.trackId, o };
      }
      if (!best) continue;
      const from = last[gt.index];
      if (from !== undefined && from !== best.id) {
        events.push({ frame, index: gt.index, from, to: best.id });
      }
      last[gt.index] = best.id;
      ids[gt.index].add(best.id);
      owners.set(best.id, (owners.get(best.id) ?? new Set()).add(gt.index));
    }
  }
  return {
    switches: events.length,
    events,
    idsPerObject: ids.map((s) => s.size),
    sharedIds: [...owners.values()].filter((s) => s.size > 1).length,
  };
}
