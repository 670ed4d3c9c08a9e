import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerFor,
  decodeArgs,
  encodeArgs,
  muxArgs,
  unrotateFilter,
  videoCodecArgs,
} from '../../../src/media/video/ffmpeg-args.ts';
import { parseFfmpegInfo, parseProbe, rateFraction } from '../../../src/media/video/video.probe.ts';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

test('picks H.264 for mp4/mov/mkv/ts/mts/avi and VP9 for webm', () => {
  for (const name of ['a.mp4', 'a.MOV', 'a.mkv', 'a.ts', 'a.mts', 'a.avi']) {
    assert.equal(after(videoCodecArgs(containerFor(name)), '-c:v'), 'libx264', name);
  }
  assert.equal(after(videoCodecArgs('webm'), '-c:v'), 'libvpx-vp9');
  assert.throws(() => containerFor('a.gif'));
});

test('CRF is configurable with a default per codec', () => {
  assert.equal(after(videoCodecArgs('mp4'), '-crf'), '23');
  assert.equal(after(videoCodecArgs('mp4', { crf: 18 }), '-crf'), '18');
  assert.equal(after(videoCodecArgs('webm'), '-crf'), '33');
  assert.equal(after(videoCodecArgs('webm', { crf: 40 }), '-b:v'), '0');
});

test('decoder passes every frame through as raw yuv420p', () => {
  const args = decodeArgs({ input: '/in/x.mp4' });
  assert.equal(after(args, '-i'), '/in/x.mp4');
  assert.equal(after(args, '-vsync'), 'passthrough');
  assert.equal(after(args, '-pix_fmt'), 'yuv420p');
  assert.equal(args.at(-1), 'pipe:1');
});

test('encoder reads raw frames at the source rate and writes yuv420p', () => {
  const args = encodeArgs({
    container: 'mp4',
    width: 1280,
    height: 720,
    frameRate: '30000/1001',
    rotation: 0,
  });
  assert.equal(after(args, '-s'), '1280x720');
  assert.equal(after(args, '-framerate'), '30000/1001');
  assert.equal(args.lastIndexOf('-pix_fmt') > args.indexOf('-c:v'), true);
  assert.equal(args[args.lastIndexOf('-pix_fmt') + 1], 'yuv420p');
  assert.equal(args.includes('-vf'), false);
});

test('rotation: mp4/mov keep the tag and store unrotated pixels; others bake it in', () => {
  const mp4 = encodeArgs({ container: 'mov', width: 2, height: 4, frameRate: '25', rotation: 90 });
  assert.equal(after(mp4, '-vf'), 'transpose=clock');
  const mkv = encodeArgs({ container: 'mkv', width: 2, height: 4, frameRate: '25', rotation: 90 });
  assert.equal(mkv.includes('-vf'), false);
  const base = { input: 'i', output: 'o', audioCodecs: [] };
  assert.equal(
    after(muxArgs({ ...base, container: 'mp4', rotation: 270 }), '-metadata:s:v:0'),
    'rotate=270',
  );
  assert.equal(
    muxArgs({ ...base, container: 'mkv', rotation: 270 }).includes('-metadata:s:v:0'),
    false,
  );
  assert.equal(unrotateFilter(180), 'hflip,vflip');
  assert.equal(unrotateFilter(-90), 'transpose=cclock');
  assert.equal(unrotateFilter(0), undefined);
});

test('audio is copied when the container holds the codec, re-encoded otherwise', () => {
  const base = { input: 'in', output: 'out', rotation: 0 };
  const mp4 = muxArgs({ ...base, container: 'mp4', audioCodecs: ['aac', 'pcm_s16le'] });
  assert.equal(after(mp4, '-c:a:0'), 'copy');
  assert.equal(after(mp4, '-c:a:1'), 'aac');
  assert.equal(after(mp4, '-map'), '0:v:0');
  assert.ok(mp4.includes('1:a:1'));
  const webm = muxArgs({ ...base, container: 'webm', audioCodecs: ['aac'] });
  assert.equal(after(webm, '-c:a:0'), 'libopus');
  const mkv = muxArgs({ ...base, container: 'mkv', audioCodecs: ['flac'] });
  assert.equal(after(mkv, '-c:a:0'), 'copy');
  const mts = muxArgs({ ...base, container: 'mts', audioCodecs: [] });
  assert.equal(after(mts, '-f'), 'nut');
  assert.equal(mts.at(-3), 'mpegts');
  assert.equal(after(mts, '-mpegts_m2ts_mode'), '1');
});

test('probe parsing: rotation, upright size, exact rate, audio codecs', () => {
  const info = parseProbe(
    JSON.stringify({
      format: { duration: '2.002' },
      streams: [
        {
          codec_type: 'video',
          width: 320,
          height: 240,
          r_frame_rate: '30000/1001',
          avg_frame_rate: '30000/1001',
          nb_frames: '60',
          side_data_list: [{ rotation: -90 }],
        },
        { codec_type: 'audio', codec_name: 'aac' },
      ],
    }),
  );
  assert.equal(info.rotation, 270);
  assert.deepEqual([info.displayWidth, info.displayHeight], [240, 320]);
  assert.equal(info.frameRate, '30000/1001');
  assert.equal(info.frames, 60);
  assert.deepEqual(info.audioCodecs, ['aac']);
  assert.equal(info.variableFrameRate, false);
  assert.throws(() => parseProbe(JSON.stringify({ streams: [{ codec_type: 'audio' }] })), {
    code: 'CORRUPT_MEDIA',
  } as never);
});

test('AVI gets an explicit frame rate, other containers keep timestamps', () => {
  const base = { input: 'i', output: 'o', audioCodecs: [], rotation: 0, frameRate: '30000/1001' };
  assert.equal(after(muxArgs({ ...base, container: 'avi' }), '-r'), '30000/1001');
  assert.equal(muxArgs({ ...base, container: 'mp4' }).includes('-r'), false);
});

test('ffmpeg -i text is parsed when ffprobe cannot read the file (MPEG-TS)', () => {
  const text = [
    "Input #0, mpegts, from 'x.ts':",
    '  Duration: 00:00:01.60, start: 1.400000, bitrate: 357 kb/s',
    '    Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 29.97 fps, 29.97 tbr, 90k tbn, 59.94 tbc',
    '    Stream #0:1[0x101](eng): Audio: ac3 ([129][0][0][0] / 0x0081), 48000 Hz, stereo, fltp, 192 kb/s',
    '    Stream #0:2: Video: h264, yuv420p, 640x360, 25 fps, 25 tbr, 90k tbn',
    '    Metadata:',
    '      rotate          : 90',
    'At least one output file must be specified',
  ].join('\n');
  const info = parseFfmpegInfo(text)!;
  assert.deepEqual([info.width, info.height, info.rotation], [1920, 1080, 0]);
  assert.equal(info.frameRate, '30000/1001');
  assert.equal(info.frames, 48);
  assert.deepEqual(info.audioCodecs, ['ac3']);
  assert.equal(parseFfmpegInfo('x.mp4: Invalid data found when processing input'), undefined);
  assert.equal(rateFraction(25), '25');
  assert.equal(rateFraction(59.94), '60000/1001');
  assert.equal(rateFraction(12.5), '12500/1000');
});
