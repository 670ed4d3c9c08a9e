import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { decodeBmp, encodeBmp, readBmpHeader } from '../../../src/media/image/bmp.codec.ts';
import { isVeilError } from '../../../src/errors.ts';

// ffmpeg (shipped by npm) is the independent BMP reader and writer these tests check against.
const W = 37; // odd width: rows need padding
const H = 23;
const dir = mkdtempSync(path.join(tmpdir(), 'veil-bmp-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function pattern(channels: 3 | 4): Uint8Array {
  const data = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * channels;
      data.set([(x * 7) & 255, (y * 11) & 255, (x * y) & 255], o);
      if (channels === 4) data[o + 3] = (x * 5 + y * 3) & 255;
    }
  }
  return data;
}

function ffmpeg(args: string[], input?: Uint8Array): Buffer {
  return execFileSync(ffmpegPaths().ffmpeg, ['-v', 'error', ...args], {
    input,
    maxBuffer: 1 << 26,
  });
}

function ffmpegWriteBmp(pixFmt: string, channels: 3 | 4): string {
  const file = path.join(dir, `${pixFmt}.bmp`);
  const inFmt = channels === 4 ? 'rgba' : 'rgb24';
  ffmpeg(
    [
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      inFmt,
      '-s',
      `${W}x${H}`,
      '-i',
      '-',
      '-pix_fmt',
      pixFmt,
      file,
    ],
    pattern(channels),
  );
  return file;
}

function ffmpegReadRaw(file: string, pixFmt: string): Buffer {
  return ffmpeg(['-i', file, '-f', 'rawvideo', '-pix_fmt', pixFmt, '-']);
}

test('reads 24-bit, 32-bit with alpha, 16-bit bitfields and 8-bit palette files written by ffmpeg', () => {
  const cases: Array<[string, 3 | 4, string, number]> = [
    ['bgr24', 3, 'rgb24', 24],
    ['bgra', 4, 'rgba', 32],
    ['pal8', 3, 'rgb24', 8],
    ['rgb565le', 3, 'rgb24', 16],
  ];
  for (const [pixFmt, channels, rawFmt, bpp] of cases) {
    const file = ffmpegWriteBmp(pixFmt, channels);
    const sut = decodeBmp(readFileSync(file));
    assert.equal(sut.bitsPerPixel, bpp, pixFmt);
    assert.deepEqual([sut.width, sut.height, sut.channels], [W, H, channels], pixFmt);
    const expected = ffmpegReadRaw(file, rawFmt);
    // 5/6-bit channels widen to 8 bits by rounding; ffmpeg's scaler may land one step away.
    const tolerance = bpp === 16 ? 1 : 0;
    const worst = sut.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
    assert.ok(worst <= tolerance, `${pixFmt}: pixels differ from ffmpeg's reading by ${worst}`);
  }
});

test('writes 24-bit and 32-bit files that ffmpeg reads back pixel-exact', () => {
  for (const channels of [3, 4] as const) {
    const data = pattern(channels);
    const file = path.join(dir, `ours-${channels}.bmp`);
    writeFileSync(file, encodeBmp({ width: W, height: H, channels, data }));
    const back = ffmpegReadRaw(file, channels === 4 ? 'rgba' : 'rgb24');
    assert.ok(back.equals(Buffer.from(data)), `channels ${channels}`);
    assert.ok(Buffer.from(decodeBmp(readFileSync(file)).data).equals(Buffer.from(data)));
  }
});

test('reads top-down files (negative height)', () => {
  const data = pattern(3);
  const bottomUp = encodeBmp({ width: W, height: H, channels: 3, data });
  const stride = Math.ceil((W * 3) / 4) * 4;
  const topDown = Buffer.from(bottomUp);
  topDown.writeInt32LE(-H, 22);
  for (let y = 0; y < H; y++)
    bottomUp.copy(topDown, 54 + y * stride, 54 + (H - 1 - y) * stride, 54 + (H - y) * stride);
  assert.equal(readBmpHeader(topDown).topDown, true);
  assert.ok(Buffer.from(decodeBmp(topDown).data).equals(Buffer.from(data)));
});

test('keeps a 32-bit opaque file 32-bit, and reads X8R8G8B8 (zero 4th byte) as opaque', () => {
  const data = pattern(3);
  const file = encodeBmp({ width: W, height: H, channels: 3, data, bitsPerPixel: 32 });
  assert.equal(readBmpHeader(file).bitsPerPixel, 32);
  const sut = decodeBmp(file);
  assert.equal(sut.channels, 3);
  // same file as plain BI_RGB with zeroed 4th bytes
  const x8 = Buffer.from(file);
  x8.writeUInt32LE(0, 30);
  for (let p = 14 + 108 + 3; p < x8.length; p += 4) x8[p] = 0;
  const opaque = decodeBmp(x8);
  assert.equal(opaque.channels, 3);
  assert.ok(Buffer.from(opaque.data).equals(Buffer.from(data)));
});

test('refuses truncated, non-BMP, compressed and oversized files with coded errors', () => {
  const good = encodeBmp({ width: W, height: H, channels: 3, data: pattern(3) });
  const cases: Array<[string, Buffer, string, number?]> = [
    ['truncated', good.subarray(0, good.length - 100), 'CORRUPT_MEDIA'],
    ['not a bmp', Buffer.from('hello world, not an image at all'), 'CORRUPT_MEDIA'],
    ['rle8', Buffer.from(good).fill(1, 30, 31), 'UNSUPPORTED_FORMAT'],
    ['too large', good, 'MEDIA_TOO_LARGE', 500],
    ['zero width', Buffer.from(good).fill(0, 18, 22), 'CORRUPT_MEDIA'],
  ];
  for (const [name, buf, code, max] of cases) {
    assert.throws(
      () => decodeBmp(buf, max),
      (e: unknown) => isVeilError(e) && e.code === code,
      name,
    );
  }
});
