/**
 * Synthetic plates (lp_syntonymize / lp_syn) in video: a drawn plate moving across a clip is
 * replaced on every frame, its original characters are no longer read by the PP-OCR
 * recogniser, and the synthetic characters stay the same along the plate's track.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { iou } from '../../../src/engine/box.ts';
import { FAKE_MARKER } from '../../../src/engine/render/plate.glyphs.ts';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import {
  openTextLineRecogniser,
  type TextLineRecogniser,
} from '../../../src/engine/text-line.recogniser.ts';
import { defaultAnonymizeOptions, type Box, type RgbFrame } from '../../../src/engine/types.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { createVideoAnonymizer } from '../../../src/media/video/video.pipeline.ts';
import { movingPlateCar, synthClip } from './synth-clip.ts';

const W = 960;
const H = 540;
const FRAMES = 24;
const SALT = 'veil-plate-synth-test';
let dir: string;
let engine: Engine;
let reader: TextLineRecogniser;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-plate-synth-video-'));
  // The drawn EU plate is found by the text detector (what a fresh clone runs).
  engine = await createEngine({ plateModel: 'text' });
  reader = await openTextLineRecogniser();
});
after(async () => {
  await engine.close();
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
});

function frames(file: string): RgbFrame[] {
  const raw = execFileSync(
    ffmpegPaths().ffmpeg,
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 128 * 1024 * 1024 },
  );
  const size = W * H * 3;
  return Array.from({ length: raw.length / size }, (_, i) => ({
    data: raw.subarray(i * size, (i + 1) * size),
    width: W,
    height: H,
  }));
}

/** Plate characters only (the recogniser may read the border as brackets or bars). */
const chars = (s: string) => s.toUpperCase().replace(/[^0-9A-Z#]/g, '');
/** A reading with the recogniser's usual slips undone (S/5, O/0, the left border read as I). */
const normal = (s: string) => s.replace(/^I/, '').replace(/S/g, '5').replace(/O/g, '0');

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function meanAbsDiff(a: RgbFrame, b: RgbFrame, box: Box): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.ceil(box.y1); y < Math.floor(box.y2); y++) {
    for (let x = Math.ceil(box.x1); x < Math.floor(box.x2); x++) {
      const o = (y * a.width + x) * 3;
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[o + c] - b.data[o + c]);
      n += 3;
    }
  }
  return sum / Math.max(1, n);
}

test('lp_syn: a moving plate shows one synthetic registration on every frame, never the original', async (t) => {
  const car = await movingPlateCar(dir);
  const plate = car.crop.face;
  const clip = path.join(dir, 'car.mp4');
  const out = path.join(dir, 'out.mp4');
  synthClip({ output: clip, width: W, height: H, fps: '25', frames: FRAMES, objects: [car] });
  const options = { ...defaultAnonymizeOptions, blurFace: false, lpSyntonymize: true };
  // A fixed salt: the synthetic registration (random per video otherwise) is one the
  // recogniser reads reliably; some random ones it reads with characters dropped.
  const result = await createVideoAnonymizer(engine, { plateSalt: SALT })(clip, out, options);
  const input = frames(clip);
  const output = frames(out);
  assert.equal(output.length, FRAMES);
  const boxAt = (f: number): Box => ({
    x1: 100 + 3 * f + plate.x1,
    y1: 60 + f + plate.y1,
    x2: 100 + 3 * f + plate.x2,
    y2: 60 + f + plate.y2,
  });
  // The test can fail: the original plate is read on the input.
  assert.equal(chars((await reader.read(input[5], boxAt(5))).text), 'AB123CD');

  const readings: string[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const box = boxAt(f);
    const change = meanAbsDiff(input[f], output[f], box);
    assert.ok(change > 15, `frame ${f}: plate changed by only ${change.toFixed(1)}`);
    if (f % 2 !== 0) continue;
    const read = chars((await reader.read(output[f], box)).text);
    for (const run of ['AB1', 'B12', '123', '23C', '3CD'])
      assert.ok(!read.includes(run), `frame ${f}: original "${run}" read in ${read}`);
    readings.push(read);
  }
  // One synthetic registration along the track: every reading is the most common one, up to
  // the recogniser's slips: two edits at most, where another random registration differs in
  // about all of its characters.
  const counts = new Map<string, number>();
  for (const r of readings) counts.set(r, (counts.get(r) ?? 0) + 1);
  const mode = [...counts.entries()].sort((x, y) => y[1] - x[1])[0][0];
  t.diagnostic(`readings: ${readings.join(' ')}`);
  assert.ok(mode.includes(FAKE_MARKER) && mode.length >= 4, `synthetic text read: ${mode}`);
  for (const r of readings)
    assert.ok(editDistance(normal(r), normal(mode)) <= 2, `${r} is not ${mode}`);
  // And the plate is one track (which is what keeps its characters); the test pattern behind
  // it yields a few plate-like boxes elsewhere.
  const ids = new Set(
    result.detections.flatMap((d) =>
      d.objects
        .filter((o) => o.cls === 'plate' && iou(o.box, boxAt(d.frame)) > 0.3)
        .map((o) => o.trackId),
    ),
  );
  assert.equal(ids.size, 1, `plate track ids ${[...ids].join(', ')}`);
});
