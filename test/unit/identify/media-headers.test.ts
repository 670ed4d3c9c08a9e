import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBmpSize, parseFfmpegSummary } from '../../../src/media/inspect.ts';
import { isVeilError } from '../../../src/errors.ts';

function bmpHead(opts: {
  dib?: number;
  width?: number;
  height?: number;
  bpp?: number;
  offset?: number;
}) {
  const { dib = 40, width = 640, height = 480, bpp = 24, offset = 54 } = opts;
  const b = Buffer.alloc(30);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(dib, 14);
  if (dib === 12) {
    b.writeUInt16LE(width, 18);
    b.writeUInt16LE(height, 20);
    b.writeUInt16LE(bpp, 24);
  } else {
    b.writeInt32LE(width, 18);
    b.writeInt32LE(height, 22);
    b.writeUInt16LE(bpp, 28);
  }
  return b;
}

test('BMP dimensions come from the info header, top-down and OS/2 headers included', () => {
  const cases: Array<[Parameters<typeof bmpHead>[0], number, number]> = [
    [{}, 640, 480],
    [{ height: -480 }, 640, 480],
    [{ dib: 124, width: 3, height: 5, bpp: 32, offset: 138 }, 3, 5],
    [{ dib: 12, width: 17, height: 9, bpp: 8, offset: 26 + 768 }, 17, 9],
  ];
  for (const [opts, width, height] of cases) {
    assert.deepEqual(
      parseBmpSize(bmpHead(opts), 1_000_000),
      { width, height },
      JSON.stringify(opts),
    );
  }
});

test('BMP headers that cannot be right are corrupt', () => {
  const cases: Array<[Buffer, number, RegExp]> = [
    [bmpHead({ width: 0 }), 1000, /dimensions 0x480/],
    [bmpHead({ width: -5 }), 1000, /dimensions/],
    [bmpHead({ bpp: 7 }), 1000, /7 bits per pixel/],
    [bmpHead({ offset: 5000 }), 1000, /offset out of range/],
    [bmpHead({ offset: 20 }), 1000, /offset out of range/],
    [bmpHead({}).subarray(0, 20), 1000, /truncated/],
  ];
  for (const [head, size, message] of cases) {
    assert.throws(
      () => parseBmpSize(head, size),
      (err) => isVeilError(err, 'CORRUPT_MEDIA') && message.test(err.message),
      String(message),
    );
  }
});

test("ffmpeg's input summary gives duration, size and rotation", () => {
  const ts = `Input #0, mpegts, from 'clip.ts':
  Duration: 00:01:02.50, start: 1.480000, bitrate: 55 kb/s
  Program 1
    Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 90k tbn, 50 tbc
    Stream #0:1[0x101](eng): Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, 130 kb/s`;
  assert.deepEqual(parseFfmpegSummary(ts), {
    durationSeconds: 62.5,
    width: 1920,
    height: 1080,
    rotation: 0,
  });
  const turned = `  Duration: 01:00:00.00, start: 0.000000, bitrate: 29 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 96x64 [SAR 1:1 DAR 3:2], 25 fps (default)
    Side data:
      displaymatrix: rotation of -90.00 degrees`;
  assert.deepEqual(parseFfmpegSummary(turned), {
    durationSeconds: 3600,
    width: 96,
    height: 64,
    rotation: 270,
  });
  const audioOnly = `  Duration: 00:00:03.00, bitrate: 128 kb/s
    Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s`;
  assert.equal(parseFfmpegSummary(audioOnly), undefined);
  assert.deepEqual(
    parseFfmpegSummary(ts.replace(/Duration: [^,]*/, 'Duration: N/A'))?.durationSeconds,
    0,
  );
});
