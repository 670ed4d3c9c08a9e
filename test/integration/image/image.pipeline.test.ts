import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import type { Box } from '../../../src/engine/types.ts';
import { defaultAnonymizeOptions, type AnonymizeOptions } from '../../../src/engine/types.ts';
import { isVeilError } from '../../../src/errors.ts';
import { encodeBmp } from '../../../src/media/image/bmp.codec.ts';
import {
  anonymizeImage,
  closeSharedEngine,
  detectionsJsonPath,
} from '../../../src/media/image/index.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { regionChange } from './region-change.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'veil-image-'));
test.after(async () => {
  await closeSharedEngine();
  rmSync(dir, { recursive: true, force: true });
});
const opts = (o: Partial<AnonymizeOptions> = {}): AnonymizeOptions => ({
  ...defaultAnonymizeOptions,
  ...o,
});
const out = (name: string): string => path.join(dir, name);
const group = fixturePath('group-3-faces.jpg')!;
const astronaut = fixturePath('astronaut.jpg')!;

test('covers every known face of a group photo and leaves the rest nearly untouched', async () => {
  const result = await anonymizeImage(group, out('group.jpg'), opts({ detections: true }));
  const faces = truth('group-3-faces.jpg').faces.map((f) => f.box);
  assert.ok(result.summary.faces >= faces.length, `found ${result.summary.faces}`);
  const change = await regionChange(group, out('group.jpg'), faces);
  for (const [k, c] of change.inside.entries()) {
    assert.ok(c.detailKept < 0.25, `face ${k} keeps ${c.detailKept.toFixed(2)} of its detail`);
    assert.ok(c.meanAbsDiff > 8, `face ${k} changed by only ${c.meanAbsDiff.toFixed(1)}`);
  }
  assert.ok(
    change.outside.meanAbsDiff < 1.5,
    `outside changed by ${change.outside.meanAbsDiff.toFixed(2)}`,
  );
  const doc = JSON.parse(readFileSync(detectionsJsonPath(out('group.jpg')), 'utf8'));
  assert.equal(doc.frames[0].objects.length, result.detections[0].objects.length);
  assert.ok(
    doc.frames[0].objects.every(
      (d: { box: Box; score: number }) => d.box.x2 > d.box.x1 && d.score >= 0.5,
    ),
  );
});

test('mask blur, pixelate and fill cover the face too; classes can be switched off', async () => {
  const face = truth('astronaut.jpg').faces.map((f) => f.box);
  for (const o of [
    { maskBlur: true },
    { style: 'pixelate' as const },
    { style: 'fill' as const },
  ]) {
    await anonymizeImage(astronaut, out('astro.jpg'), opts(o));
    const change = await regionChange(astronaut, out('astro.jpg'), face);
    assert.ok(
      change.inside[0].detailKept < 0.35,
      `${JSON.stringify(o)} keeps ${change.inside[0].detailKept}`,
    );
  }
  const off = await anonymizeImage(astronaut, out('astro-off.jpg'), opts({ blurFace: false }));
  assert.equal(off.summary.faces, 0);
  const change = await regionChange(astronaut, out('astro-off.jpg'), face);
  assert.ok(change.inside[0].detailKept > 0.8);
});

test('rotated camera JPEG with GPS: face covered where it shows, GPS gone, orientation applied', async () => {
  // Store the photo sideways with Orientation 8 (display = rotate 90 deg anticlockwise).
  const stored = await sharp(astronaut).rotate(90).toBuffer();
  const input = out('camera.jpg');
  writeFileSync(
    input,
    await sharp(stored)
      .withExif({
        IFD0: { Make: 'VeilCam' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' },
      })
      .withMetadata({ orientation: 8 })
      .jpeg({ quality: 88 })
      .toBuffer(),
  );
  const result = await anonymizeImage(input, out('camera-out.jpg'), opts());
  assert.equal(result.summary.faces, 1);
  const meta = await sharp(out('camera-out.jpg')).metadata();
  assert.deepEqual([meta.width, meta.height], [512, 512]);
  const exif = exifReader(meta.exif!);
  assert.equal(exif.Image?.Make, 'VeilCam');
  assert.equal(exif.GPSInfo, undefined);
  const change = await regionChange(
    astronaut,
    out('camera-out.jpg'),
    truth('astronaut.jpg').faces.map((f) => f.box),
  );
  assert.ok(change.inside[0].detailKept < 0.25);
});

test('PNG keeps its alpha channel; BMP comes back as BMP', async () => {
  const { data, info } = await sharp(astronaut)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let i = 3; i < data.length; i += 4) data[i] = (i >> 2) % 512 < 256 ? 255 : 128;
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .png()
    .toFile(out('alpha.png'));
  const png = await anonymizeImage(out('alpha.png'), out('alpha-out.png'), opts());
  assert.equal(png.summary.faces, 1);
  const alphaIn = await sharp(out('alpha.png')).extractChannel(3).raw().toBuffer();
  const alphaOut = await sharp(out('alpha-out.png')).extractChannel(3).raw().toBuffer();
  assert.ok(alphaIn.equals(alphaOut), 'alpha unchanged');

  const rgb = await sharp(astronaut).raw().toBuffer();
  writeFileSync(out('astro.bmp'), encodeBmp({ width: 512, height: 512, channels: 3, data: rgb }));
  const bmp = await anonymizeImage(out('astro.bmp'), out('astro-out.bmp'), opts());
  assert.equal(bmp.summary.faces, 1);
  const head = readFileSync(out('astro-out.bmp')).subarray(0, 2).toString('latin1');
  assert.equal(head, 'BM');
});

test('a corrupt file fails with CORRUPT_MEDIA and leaves no output behind', async () => {
  const bytes = readFileSync(astronaut);
  writeFileSync(out('broken.jpg'), bytes.subarray(0, bytes.length / 3));
  await assert.rejects(anonymizeImage(out('broken.jpg'), out('broken-out.jpg'), opts()), (e) =>
    isVeilError(e, 'CORRUPT_MEDIA'),
  );
  assert.equal(existsSync(out('broken-out.jpg')), false);
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
  const aborted = AbortSignal.abort();
  await assert.rejects(anonymizeImage(astronaut, out('x.jpg'), opts(), { signal: aborted }), (e) =>
    isVeilError(e, 'CANCELLED'),
  );
});

test('a 1080p JPEG goes through decode, detection, blur and encode quickly', async (t) => {
  const input = out('1080p.jpg');
  writeFileSync(
    input,
    await sharp(group)
      .extract({ left: 0, top: 100, width: 1920, height: 1080 })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  await anonymizeImage(input, out('1080p-out.jpg'), opts()); // warm
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await anonymizeImage(input, out('1080p-out.jpg'), opts());
    times.push(performance.now() - started);
  }
  const median = times.sort((a, b) => a - b)[2];
  t.diagnostic(
    `1080p JPEG end to end: median ${median.toFixed(0)} ms (target 300 ms on an idle 2-core machine)`,
  );
  // Generous bound: the suite shares 2 cores with other test files.
  assert.ok(median < 1500, `median ${median} ms`);
});

test('plates: the circle and the quadrilateral mask both cover a real plate', async (t) => {
  const file = fixturePath('closeup-plate-cn.jpg');
  if (!file)
    return t.skip('closeup-plate-cn.jpg is not present (see test/fixtures/images/README.md)');
  const plates = truth('closeup-plate-cn.jpg').plates.map((p) => p.box);
  for (const maskBlur of [false, true]) {
    const result = await anonymizeImage(file, out('plate.jpg'), opts({ maskBlur }));
    assert.ok(result.summary.plates >= 1);
    const plate = result.detections[0].objects.find((d) => d.cls === 'plate');
    assert.ok(plate?.polygon?.length === 4, 'the detector gives corners for mask blur');
    const change = await regionChange(file, out('plate.jpg'), plates);
    assert.ok(
      change.inside[0].detailKept < 0.25,
      `maskBlur=${maskBlur}: ${change.inside[0].detailKept}`,
    );
  }
});
