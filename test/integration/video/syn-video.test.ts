/**
 * `syn` on a video with the real models: a real face moving over a generated background is
 * replaced (not just blurred), frames stay in step with the input, and when syn cannot load
 * its donor bank the faces are blurred and the summary says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { distance, IdentityModel, SAME_PERSON_DISTANCE } from '../../../scripts/eval/identity.ts';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { DonorBank } from '../../../src/engine/syn/donor.bank.ts';
import { synAvailable, synthesizeFaces } from '../../../src/engine/syn/index.ts';
import { defaultAnonymizeOptions, type Box } from '../../../src/engine/types.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { createVideoAnonymizer } from '../../../src/media/video/video.pipeline.ts';
import {
  faceCrops,
  groundTruth,
  synthClip,
  type FaceCrop,
  type MovingObject,
} from './synth-clip.ts';

const W = 320;
const H = 240;
const FRAMES = 6;
let dir: string;
let engine: Engine;
let clip: string;
let objects: MovingObject[];
const blurOptions = { ...defaultAnonymizeOptions, enableLp: false };
const synOptions = { ...blurOptions, model: 'syn' as const };

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-syn-video-'));
  engine = await createEngine({ workers: 1, threads: 1 });
  // A person syn can replace on a still: some never pass its fail-safe and are always blurred,
  // which would make this test about the fail-safe rather than the video pipeline.
  const crops = await faceCrops(dir, 4, 110);
  const crop = noBank ? crops[0] : await replaceableCrop(crops);
  objects = [{ crop, x0: 60, y0: 30, vx: 2, vy: 0 }];
  clip = path.join(dir, 'in.mp4');
  synthClip({ output: clip, width: W, height: H, fps: '10', frames: FRAMES, objects });
});
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function replaceableCrop(crops: FaceCrop[]): Promise<FaceCrop> {
  for (const crop of crops) {
    const { data, info } = await sharp(crop.file)
      .removeAlpha()
      .extend({ top: 60, bottom: 60, left: 60, right: 60, background: '#808080' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
    const faces = (await engine.detect(frame, synOptions)).filter((d) => d.cls === 'face');
    const still = await synthesizeFaces(frame, faces, synOptions);
    if (faces.length === 1 && still.replaced === 1) return crop;
  }
  throw new Error('syn replaced none of the test faces on a still');
}

/** Every frame of a video as RGB. */
function frames(file: string): Uint8Array[] {
  const raw = execFileSync(
    ffmpegPaths().ffmpeg,
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const size = W * H * 3;
  return Array.from({ length: raw.length / size }, (_, i) =>
    raw.subarray(i * size, (i + 1) * size),
  );
}

/** Mean absolute channel difference of two frames inside `box` (or outside it). */
function difference(a: Uint8Array, b: Uint8Array, box: Box, inside: boolean): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const within = x >= box.x1 && x < box.x2 && y >= box.y1 && y < box.y2;
      if (within !== inside) continue;
      for (let c = 0; c < 3; c++) sum += Math.abs(a[(y * W + x) * 3 + c] - b[(y * W + x) * 3 + c]);
      n += 3;
    }
  assert.ok(n > 0, 'an empty area');
  return sum / n;
}

/** The central half of the face on frame `n`. */
function faceCore(n: number): Box {
  const b = groundTruth(objects, n, W, H)[0].box;
  const [w, h] = [b.x2 - b.x1, b.y2 - b.y1];
  return { x1: b.x1 + w / 4, y1: b.y1 + h / 4, x2: b.x2 - w / 4, y2: b.y2 - h / 4 };
}

/** The face with a wide margin: outside it, nothing should have been drawn. */
function faceArea(n: number): Box {
  const b = groundTruth(objects, n, W, H)[0].box;
  const m = 0.6 * Math.max(b.x2 - b.x1, b.y2 - b.y1);
  return { x1: b.x1 - m, y1: b.y1 - m, x2: b.x2 + m, y2: b.y2 + m };
}

// The donor bank is not committed (models/syn/README.md): without it syn can only blur.
const noBank = !synAvailable() && 'syn donor bank not installed (models/syn or shared/models/syn)';

test(
  'syn replaces a real face in a video, one track, frames in step',
  { skip: noBank },
  async () => {
    const blurred = path.join(dir, 'blur.mp4');
    const synthetic = path.join(dir, 'syn.mp4');
    const b = await createVideoAnonymizer(engine)(clip, blurred, blurOptions);
    const started = performance.now();
    const s = await createVideoAnonymizer(engine)(clip, synthetic, synOptions);
    const ms = performance.now() - started;
    assert.equal(b.summary.syn, undefined);
    assert.equal(s.summary.frames, FRAMES);
    assert.equal(s.summary.faces, 1);
    const syn = s.summary.syn!;
    assert.ok(syn.replaced > 0, `replaced ${JSON.stringify(syn)}`);
    assert.equal(syn.replaced + syn.blurred, FRAMES, JSON.stringify(syn));
    assert.equal(syn.unavailable, undefined);
    // Every face render carried its track (one synthetic person for the whole track).
    const tracks = new Set(s.detections.flatMap((d) => d.objects.map((o) => o.trackId)));
    assert.equal(tracks.size, 1);
    assert.ok(!tracks.has(undefined));
    const [input, blurFrames, synFrames] = [frames(clip), frames(blurred), frames(synthetic)];
    assert.equal(synFrames.length, input.length);
    assert.equal(synFrames.length, FRAMES);
    let differsFromBoth = 0;
    for (let n = 0; n < FRAMES; n++) {
      const core = faceCore(n);
      const vsInput = difference(synFrames[n], input[n], core, true);
      const vsBlur = difference(synFrames[n], blurFrames[n], core, true);
      if (vsInput > 8 && vsBlur > 8) differsFromBoth++;
      // In step: away from the face, the syn output matches the blur output of the same frame.
      const away = difference(synFrames[n], blurFrames[n], faceArea(n), false);
      assert.ok(away < 2, `frame ${n}: background differs by ${away}`);
    }
    assert.ok(differsFromBoth >= syn.replaced / 2, `${differsFromBoth} frames differ from both`);

    // No output frame is the person; the track stays one synthetic person (face-api).
    const judge = await IdentityModel.load();
    const rgb = (data: Uint8Array) => ({ data, width: W, height: H });
    const outputs: Float32Array[] = [];
    for (let n = 0; n < FRAMES; n++) {
      const b = groundTruth(objects, n, W, H)[0].box;
      const ref = await judge.describe(rgb(input[n]), [b.x1, b.y1, b.x2, b.y2]);
      if (!ref) continue;
      const out = await judge.describeAt(rgb(synFrames[n]), ref);
      const d = distance(ref.descriptor, out);
      assert.ok(d >= SAME_PERSON_DISTANCE, `frame ${n}: face-api distance ${d.toFixed(3)}`);
      outputs.push(
        (await judge.describe(rgb(synFrames[n]), [b.x1, b.y1, b.x2, b.y2]))?.descriptor ?? out,
      );
    }
    const steps = outputs.slice(1).map((d, i) => distance(outputs[i], d));
    assert.ok(steps.length >= 3, `${steps.length} frame pairs judged`);
    assert.ok(
      Math.max(...steps) < SAME_PERSON_DISTANCE,
      `one synthetic person: frame-to-frame distances ${steps.map((d) => d.toFixed(3))}`,
    );
    console.log(`syn track: frame-to-frame face-api distances ${steps.map((d) => d.toFixed(3))}`);
    console.log(`syn: ${JSON.stringify(syn)} in ${Math.round(ms)} ms for ${FRAMES} frames`);
  },
);

test('without its donor bank, syn blurs every face and counts them', async () => {
  const blurred = path.join(dir, 'blur2.mp4');
  const fallback = path.join(dir, 'fallback.mp4');
  // The fallback blurs at full resolution (syn jobs skip the reduced-resolution rendering).
  await createVideoAnonymizer(engine, { fullResolutionRender: true })(clip, blurred, {
    ...blurOptions,
    maskBlur: true,
  });
  const missing = path.join(dir, 'no-donors');
  const r = await createVideoAnonymizer(engine, { synLoad: () => DonorBank.load(missing) })(
    clip,
    fallback,
    synOptions,
  );
  const syn = r.summary.syn!;
  assert.equal(syn.replaced, 0);
  assert.equal(syn.blurred, FRAMES);
  assert.match(syn.unavailable ?? '', /no-donors/);
  const [input, blurFrames, out] = [frames(clip), frames(blurred), frames(fallback)];
  assert.equal(out.length, FRAMES);
  for (let n = 0; n < FRAMES; n++) {
    const core = faceCore(n);
    assert.ok(difference(out[n], input[n], core, true) > 8, `frame ${n}: face left uncovered`);
    assert.ok(difference(out[n], blurFrames[n], core, true) < 2, `frame ${n}: not the blur`);
  }
});
