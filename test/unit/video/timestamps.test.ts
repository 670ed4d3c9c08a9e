/**
 * The timestamp path's pure parts: when frame times count as uneven, framecrc parsing, the
 * Matroska framing of raw frames, and the ffmpeg arguments of each process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeArgs,
  encodeArgs,
  framecrcPts,
  keepsTimestamps,
  muxArgs,
} from '../../../src/media/video/ffmpeg-args.ts';
import { parseFramecrc, timesVary } from '../../../src/media/video/frame.times.ts';
import {
  rawMatroskaFrameHead,
  rawMatroskaHeader,
  sizeVint,
} from '../../../src/media/video/mkv.raw.ts';
import {
  differentRates,
  parseFfmpegInfo,
  parseProbe,
} from '../../../src/media/video/video.probe.ts';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

test('even frame times (rounded to the time base) do not vary; gaps and jitter do', () => {
  const at = (n: number, fps: number, tb: number) => Math.round(n / fps / tb);
  // 29.97 fps in milliseconds: 33 and 34 ms alternate.
  const ms = Array.from({ length: 300 }, (_, n) => at(n, 30000 / 1001, 1e-3));
  assert.equal(timesVary(ms, 1e-3), false);
  // MP4's 1/15360 at 29.97: 512 and 513 ticks.
  assert.equal(
    timesVary(
      Array.from({ length: 300 }, (_, n) => at(n, 30000 / 1001, 1 / 15360)),
      1 / 15360,
    ),
    false,
  );
  // Decode order (B-frames) does not matter.
  const ts = Array.from({ length: 30 }, (_, n) => n * 3003);
  assert.equal(timesVary([ts[0], ts[2], ts[1], ...ts.slice(3)], 1 / 90000), false);
  // One frame missing, or one frame 10 ms late.
  assert.equal(timesVary([...ts.slice(0, 10), ...ts.slice(11)], 1 / 90000), true);
  assert.equal(
    timesVary(
      ts.map((t, i) => (i === 7 ? t + 900 : t)),
      1 / 90000,
    ),
    true,
  );
  assert.equal(timesVary([0, 1000], 1e-3), false);
});

test('framecrc: time base, pts in presentation order, discarded packets left out', () => {
  const text = [
    '#tb 0: 1/15360',
    '#media_type 0: video',
    '0,      -1024,          0,      512,     5203, 0x0435b277',
    '0,       -512,       1536,      512,     2157, 0xf9fb325c, F=0x0',
    '0,          0,        512,      512,     1170, 0x987a49a7, F=0x4',
    '',
  ].join('\n');
  assert.deepEqual(parseFramecrc(text), { tb: 1 / 15360, pts: [0, 1536] });
  assert.equal(framecrcPts('#tb 0: 1/1000000'), undefined);
  assert.equal(framecrcPts('0,      33333,      33333,        0,        6, 0x07d902b9'), 33333);
});

test('probe: the average rate against the base rate, ffprobe and ffmpeg -i alike', () => {
  assert.equal(differentRates(30000 / 1001, 30000 / 1001), false);
  assert.equal(differentRates(29.97, 30000 / 1001), false);
  assert.equal(differentRates(1800 / 73, 30), true);
  const video = { codec_type: 'video', width: 320, height: 240, r_frame_rate: '30/1' };
  const vfr = parseProbe(
    JSON.stringify({ streams: [{ ...video, avg_frame_rate: '1800/73', time_base: '1/15360' }] }),
  );
  assert.equal(vfr.variableFrameRate, true);
  assert.equal(vfr.frameRate, '1800/73');
  assert.equal(vfr.timeBase, '1/15360');
  const line = (rates: string) =>
    `Input #0, mpegts, from 'x.ts':\n  Duration: 00:00:02.00, start: 1.400000, bitrate: 1 kb/s\n` +
    `    Stream #0:0[0x100]: Video: h264 (High), yuv420p, 320x240, ${rates}, 90k tbn, 60 tbc\n`;
  assert.equal(parseFfmpegInfo(line('29.97 fps, 29.97 tbr'))?.variableFrameRate, false);
  const ts = parseFfmpegInfo(line('22.50 fps, 30 tbr'));
  assert.equal(ts?.variableFrameRate, true);
  assert.equal(ts?.timeBase, '1/90000');
});

test('raw Matroska: EBML sizes, header with an I420 track, one cluster per frame', () => {
  assert.deepEqual([...sizeVint(5)], [0x85]);
  assert.deepEqual([...sizeVint(127)], [0x40, 0x7f]);
  assert.deepEqual([...sizeVint(320 * 240 * 1.5 + 4)], [0x21, 0xc2, 0x04]);
  const head = rawMatroskaHeader(320, 240);
  assert.deepEqual([...head.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]);
  assert.ok(head.includes(Buffer.from('V_UNCOMPRESSED')));
  assert.ok(head.includes(Buffer.from('I420')));
  // TimecodeScale 1000 ns: times in microseconds.
  assert.ok(head.includes(Buffer.from([0x2a, 0xd7, 0xb1, 0x82, 0x03, 0xe8])));
  const frame = rawMatroskaFrameHead(1_500_000, 115200);
  // Cluster of (timecode 5 bytes + block id/size 4 + block head 4 + frame) bytes.
  assert.deepEqual([...frame.subarray(0, 4)], [0x1f, 0x43, 0xb6, 0x75]);
  assert.deepEqual([...frame.subarray(4, 7)], [0x21, 0xc2, 0x0d]);
  assert.deepEqual([...frame.subarray(7, 12)], [0xe7, 0x83, 0x16, 0xe3, 0x60]);
  assert.deepEqual([...frame.subarray(12)], [0xa3, 0x21, 0xc2, 0x04, 0x81, 0, 0, 0x80]);
});

test('timestamp path arguments: decoder reports times first, encoder reads Matroska, muxer keeps the clock', () => {
  const plain = decodeArgs({ input: 'in.mp4' });
  assert.equal(plain.includes('-filter_complex'), false);
  assert.equal(plain.includes('-copyts'), false);
  const timed = decodeArgs({ input: 'in.mp4', timestamps: true });
  assert.ok(timed.indexOf('pipe:3') < timed.indexOf('pipe:1'), 'times before pixels');
  assert.equal(after(timed, '-enc_time_base'), '1:1000000');
  assert.ok(timed.includes('-copyts'));

  const enc = {
    container: 'mp4' as const,
    width: 320,
    height: 240,
    frameRate: '1800/73',
    rotation: 0,
  };
  assert.equal(after(encodeArgs(enc), '-f'), 'rawvideo');
  const encTimed = encodeArgs({ ...enc, timestamps: true });
  assert.equal(after(encTimed, '-f'), 'matroska');
  assert.equal(after(encTimed, '-vsync'), 'passthrough');
  assert.equal(after(encTimed, '-enc_time_base'), '-1');
  assert.equal(after(encTimed, '-r'), '1800/73');
  assert.equal(after(encTimed, '-avoid_negative_ts'), 'disabled');

  const mux = { input: 'in', output: 'out', audioCodecs: ['aac'], rotation: 0, frameRate: '25' };
  const mp4 = muxArgs({
    ...mux,
    container: 'mp4',
    timestamps: true,
    videoStart: 0.5,
    timeBase: '1/15360',
  });
  assert.ok(mp4.includes('-copyts'));
  assert.equal(after(mp4, '-itsoffset'), '0.500000');
  assert.ok(mp4.indexOf('-itsoffset') < mp4.indexOf('pipe:0'));
  assert.equal(after(mp4, '-video_track_timescale'), '15360');
  const ts = muxArgs({ ...mux, container: 'ts', timestamps: true, videoStart: 1.4 });
  assert.equal(after(ts, '-mpegts_copyts'), '1');
  assert.equal(ts.includes('-video_track_timescale'), false);
  // AVI stores a rate: no timestamp path there; constant rate muxing unchanged.
  assert.equal(keepsTimestamps('avi'), false);
  assert.equal(muxArgs({ ...mux, container: 'avi', timestamps: true }).includes('-copyts'), false);
  assert.equal(muxArgs({ ...mux, container: 'mp4' }).includes('-copyts'), false);
});
