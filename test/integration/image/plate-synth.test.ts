/**
 * Synthetic plates (lp_syntonymize / lp_syn) through the image pipeline: the original
 * characters can no longer be read by the PP-OCR recogniser, the recogniser reads the
 * synthetic registration (with its `#` marker) instead, and the plate detector still finds a
 * plate there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { iou } from '../../../src/engine/box.ts';
import { FAKE_MARKER } from '../../../src/engine/render/plate.glyphs.ts';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { resolveModels } from '../../../src/engine/models.ts';
import {
  openTextLineRecogniser,
  type TextLineRecogniser,
} from '../../../src/engine/text-line.recogniser.ts';
import { defaultAnonymizeOptions, type Box, type RgbFrame } from '../../../src/engine/types.ts';
import { createImageAnonymizer } from '../../../src/media/image/image.pipeline.ts';
import { drawPlate } from '../../fixtures/images/drawn-plate.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';

const options = { ...defaultAnonymizeOptions, blurFace: false, lpSyntonymize: true };
/** Plate characters only (the recogniser may read the border as brackets or bars). */
const chars = (s: string) => s.toUpperCase().replace(/[^0-9A-Z#\p{Script=Han}]/gu, '');

async function readRgb(file: string): Promise<RgbFrame> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

async function writePng(frame: RgbFrame, file: string): Promise<void> {
  await sharp(Buffer.from(frame.data), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .png()
    .toFile(file);
}

/** Every run of 3 characters of `original` found in `read`. */
function sharedRuns(original: string, read: string): string[] {
  const runs: string[] = [];
  for (let i = 0; i + 3 <= original.length; i++) {
    if (read.includes(original.slice(i, i + 3))) runs.push(original.slice(i, i + 3));
  }
  return runs;
}

describe('synthetic plates in images', () => {
  let dir: string;
  let engine: Engine;
  let reader: TextLineRecogniser;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'veil-plate-synth-'));
    // The drawn EU plate is found by the text detector (what a fresh clone runs).
    engine = await createEngine({ plateModel: 'text' });
    reader = await openTextLineRecogniser();
  });
  after(async () => {
    await engine.close();
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const width of [260, 150]) {
    it(`replaces a drawn ${width} px plate: original unreadable, synthetic one read and detected`, async (t) => {
      const drawn = await drawPlate(
        fixturePath('group-5-faces.jpg')!,
        'AB 123 CD',
        200,
        1250,
        width,
      );
      const input = path.join(dir, `plate-${width}.png`);
      const output = path.join(dir, `plate-${width}-out.png`);
      await writePng(drawn.frame, input);
      // The test can fail: the original plate is read and found.
      const original = chars((await reader.read(drawn.frame, drawn.box)).text);
      assert.equal(original, 'AB123CD');
      const before = await engine.detect(drawn.frame, options);
      const iouBefore = Math.max(
        0,
        ...before.filter((d) => d.cls === 'plate').map((d) => iou(d.box, drawn.box)),
      );
      const result = await createImageAnonymizer({ engine: async () => engine })(
        input,
        output,
        options,
      );
      assert.ok(result.summary.plates >= 1, 'plate found');
      const out = await readRgb(output);
      const read = chars((await reader.read(out, drawn.box)).text);
      assert.deepEqual(sharedRuns(original, read), [], `original runs read in ${read}`);
      assert.ok(read.includes(FAKE_MARKER), `synthetic text read: ${read}`);
      assert.ok(read.length >= 4, `synthetic text read: ${read}`);
      const found = await engine.detect(out, options);
      const best = Math.max(
        0,
        ...found.filter((d) => d.cls === 'plate').map((d) => iou(d.box, drawn.box)),
      );
      // Found where the original was found, about as well (the text fallback grows text into a plate).
      assert.ok(
        best >= 0.3 && best >= iouBefore - 0.15,
        `synthetic plate detected at IoU ${best.toFixed(2)}, the original at ${iouBefore.toFixed(2)}`,
      );
      t.diagnostic(
        `${width} px: ${original} -> ${read}; IoU ${iouBefore.toFixed(2)} -> ${best.toFixed(2)}`,
      );
    });
  }

  const cn = fixturePath('closeup-plate-cn.jpg');
  const skip = !cn
    ? 'closeup-plate-cn.jpg absent (GitHub snapshot, not committed)'
    : !['both', '640', '320'].includes(resolveModels('auto', 'hyperlpr').plate)
      ? 'HyperLPR3 weights absent (GitHub snapshot, not committed)'
      : false;
  it('replaces a real plate found by HyperLPR3 (its 4 corners)', { skip }, async (t) => {
    const hyper = await createEngine({ plateModel: 'hyperlpr' });
    try {
      const output = path.join(dir, 'cn-out.png');
      const frame = await readRgb(cn!);
      const plates = (await hyper.detect(frame, options)).filter((d) => d.cls === 'plate');
      assert.ok(plates.length >= 1, 'HyperLPR3 finds the plate');
      const gt: Box = truth('closeup-plate-cn.jpg').plates[0].box;
      const original = chars((await reader.read(frame, gt)).text);
      assert.ok(original.length >= 5, `original read: ${original}`);
      await createImageAnonymizer({ engine: async () => hyper })(cn!, output, options);
      const out = await readRgb(output);
      const read = chars((await reader.read(out, gt)).text);
      assert.deepEqual(sharedRuns(original, read), [], `${original} -> ${read}`);
      const found = (await hyper.detect(out, options)).filter((d) => d.cls === 'plate');
      const best = Math.max(0, ...found.map((d) => iou(d.box, gt)));
      assert.ok(best >= 0.5, `synthetic plate detected at IoU ${best.toFixed(2)}`);
      t.diagnostic(`HyperLPR3 plate: ${original} -> ${read}; IoU ${best.toFixed(2)}`);
    } finally {
      await hyper.close();
    }
  });
});
