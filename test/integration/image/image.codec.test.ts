import { test } from 'node:test';
import assert from 'node:assert/strict';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { isVeilError } from '../../../src/errors.ts';
import { decodeImage, encodeImage } from '../../../src/media/image/image.codec.ts';
import { estimateJpegQuality } from '../../../src/media/image/jpeg.quality.ts';
import { crc32 } from '../../../src/media/image/metadata.splice.ts';

const W = 160;
const H = 96;

/** A smooth colour pattern with an asymmetric marker (top-left block) to see orientation. */
function pattern(channels: 3 | 4): Buffer {
  const data = Buffer.alloc(W * H * channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * channels;
      const marker = x < 20 && y < 10;
      data[o] = marker ? 255 : Math.round((x / W) * 200);
      data[o + 1] = marker ? 0 : Math.round((y / H) * 200);
      data[o + 2] = marker ? 0 : 90;
      if (channels === 4) data[o + 3] = Math.round((x / W) * 255);
    }
  }
  return data;
}

const gps = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 2400/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 21/1 0/1',
};

async function cameraJpeg(quality: number): Promise<Buffer> {
  // Stored sideways with Orientation 6 (display = rotate 90 deg clockwise), P3 profile, GPS.
  const upright = sharp(pattern(3), { raw: { width: W, height: H, channels: 3 } });
  const stored = await upright.rotate(-90).raw().toBuffer();
  return sharp(stored, { raw: { width: H, height: W, channels: 3 } })
    .jpeg({ quality })
    .withIccProfile('p3')
    .withExif({
      IFD0: { Make: 'VeilCam', Model: 'Test 1' },
      IFD2: { DateTimeOriginal: '2024:01:02 03:04:05' },
      IFD3: gps,
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

test('JPEG: upright pixels, same quality, ICC kept, EXIF kept without GPS, orientation reset', async () => {
  const input = await cameraJpeg(83);
  const inMeta = await sharp(input).metadata();
  assert.equal(inMeta.orientation, 6);
  assert.ok(exifReader(inMeta.exif!).GPSInfo, 'fixture has GPS');
  const sut = await decodeImage(input, 'jpeg');
  assert.deepEqual([sut.frame.width, sut.frame.height], [W, H]);
  // marker block is top-left again once orientation is applied
  assert.ok(sut.frame.data[(5 * W + 5) * 3] > 200 && sut.frame.data[(5 * W + 5) * 3 + 1] < 60);
  const output = await encodeImage(sut);
  const meta = await sharp(output).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.deepEqual([meta.width, meta.height], [W, H]);
  assert.ok(meta.icc && inMeta.icc && meta.icc.equals(inMeta.icc), 'same ICC profile bytes');
  const exif = exifReader(meta.exif!);
  assert.equal(exif.Image?.Make, 'VeilCam');
  assert.equal(exif.Photo?.DateTimeOriginal?.toISOString().slice(0, 10), '2024-01-02');
  assert.equal(exif.GPSInfo, undefined);
  assert.ok(
    !meta.exif!.includes(Buffer.from('2400/100')) && !meta.exif!.toString('latin1').includes('N\0'),
  );
  assert.ok([undefined, 1].includes(meta.orientation));
  assert.ok(Math.abs(estimateJpegQuality(output) - 83) <= 1);
  // a round trip keeps colours (values as stored, not converted to sRGB and back)
  const again = await decodeImage(output, 'jpeg');
  let diff = 0;
  for (let i = 0; i < again.frame.data.length; i++)
    diff += Math.abs(again.frame.data[i] - sut.frame.data[i]);
  assert.ok(diff / again.frame.data.length < 2, `mean abs diff ${diff / again.frame.data.length}`);
});

test('PNG: alpha kept exactly, profile and EXIF kept without GPS', async () => {
  const input = await sharp(pattern(4), { raw: { width: W, height: H, channels: 4 } })
    .png()
    .withIccProfile('p3')
    .withExif({ IFD0: { Make: 'VeilCam' }, IFD3: gps })
    .toBuffer();
  const sut = await decodeImage(input, 'png');
  assert.ok(sut.alpha);
  const output = await encodeImage(sut);
  const meta = await sharp(output).metadata();
  assert.equal(meta.hasAlpha, true);
  assert.ok(meta.icc?.equals((await sharp(input).metadata()).icc!));
  const exif = exifReader(meta.exif!);
  assert.equal(exif.Image?.Make, 'VeilCam');
  assert.equal(exif.GPSInfo, undefined);
  const back = await sharp(output).keepIccProfile().raw().toBuffer({ resolveWithObject: true });
  const inRaw = await sharp(input).keepIccProfile().raw().toBuffer();
  assert.equal(back.info.channels, 4);
  assert.ok(Buffer.from(back.data).equals(inRaw), 'PNG round trip is lossless');
});

test('grey JPEG stays grey; BMP goes through our codec', async () => {
  const grey = await sharp(pattern(3), { raw: { width: W, height: H, channels: 3 } })
    .toColourspace('b-w')
    .jpeg()
    .toBuffer();
  const g = await decodeImage(grey, 'jpeg');
  assert.equal(g.grey, true);
  assert.equal((await sharp(await encodeImage(g)).metadata()).channels, 1);
  const bmp = await encodeImage({
    format: 'bmp',
    frame: { data: pattern(3), width: W, height: H },
    grey: false,
  });
  const b = await decodeImage(bmp, 'bmp');
  assert.ok(Buffer.from(b.frame.data).equals(pattern(3)));
});

function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(17);
  ihdr.write('IHDR', 0, 'latin1');
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt32BE(height, 8);
  ihdr.set([8, 2, 0, 0, 0], 12);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(13);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(ihdr));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), len, ihdr, crc, Buffer.alloc(64)]);
}

test('bad input fails with coded errors', async () => {
  const jpeg = await sharp(pattern(3), { raw: { width: W, height: H, channels: 3 } })
    .jpeg()
    .toBuffer();
  const cases: Array<[string, Buffer, 'jpeg' | 'png' | 'bmp', string, number?]> = [
    ['truncated JPEG', jpeg.subarray(0, jpeg.length / 2), 'jpeg', 'CORRUPT_MEDIA'],
    ['PNG named .jpg', pngClaiming(10, 10), 'jpeg', 'CORRUPT_MEDIA'],
    ['text named .png', Buffer.from('not an image, just text'), 'png', 'CORRUPT_MEDIA'],
    [
      'PNG claiming 20000x20000 (default 100 MP limit)',
      pngClaiming(20000, 20000),
      'png',
      'MEDIA_TOO_LARGE',
    ],
    ['JPEG over a configured limit', jpeg, 'jpeg', 'MEDIA_TOO_LARGE', 1000],
    ['PNG header with garbage data', pngClaiming(100, 100), 'png', 'CORRUPT_MEDIA'],
  ];
  for (const [name, buf, format, code, maxPixels] of cases) {
    await assert.rejects(
      decodeImage(buf, format, { maxPixels }),
      (e: unknown) => isVeilError(e) && e.code === code,
      name,
    );
  }
});
