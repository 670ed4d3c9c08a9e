import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { inspectUpload } from '../../../src/media/inspect.ts';
import { createZip } from '../../../src/media/archive/index.ts';
import { sevenZipPath } from '../../../src/media/archive/seven-zip.runtime.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { isVeilError } from '../../../src/errors.ts';
import { craftRar5, craftZip } from '../archive/craft.ts';

const run = promisify(execFile);
let dir: string;
let work: string;
const media: Record<string, string> = {};

/** A 24-bit bottom-up BMP written per the BITMAPINFOHEADER layout. */
function bmp(width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * height, 0x80);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(0, 30);
  return out;
}

async function clip(name: string, seconds: number, args: string[]) {
  const file = path.join(dir, name);
  const src = `testsrc=size=96x64:rate=25:duration=${seconds}`;
  await run(ffmpegPaths().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', src, ...args, '-y', file]);
  media[name] = file;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-inspect-test-'));
  work = path.join(dir, 'work');
  const rgb = { width: 120, height: 80, channels: 3 as const, background: '#336699' };
  media['photo.jpg'] = path.join(dir, 'photo.jpg');
  await sharp({ create: rgb }).jpeg().toFile(media['photo.jpg']);
  // Orientation 6: stored 120x80, displayed 80x120.
  media['turned.jpg'] = path.join(dir, 'turned.jpg');
  await sharp({ create: rgb }).jpeg().withMetadata({ orientation: 6 }).toFile(media['turned.jpg']);
  media['alpha.png'] = path.join(dir, 'alpha.png');
  await sharp({ create: { ...rgb, channels: 4, background: '#33669980' } })
    .png()
    .toFile(media['alpha.png']);
  media['scan.bmp'] = path.join(dir, 'scan.bmp');
  writeFileSync(media['scan.bmp'], bmp(33, 21));
  const h264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];
  await clip('clip.mp4', 2, h264);
  await clip('clip.mov', 1, h264);
  await clip('clip.mkv', 1, h264);
  await clip('clip.webm', 1, ['-c:v', 'libvpx', '-b:v', '200k']);
  await clip('clip.avi', 1, ['-c:v', 'mpeg4']);
  await clip('clip.ts', 1, [...h264, '-f', 'mpegts']);
  await clip('clip.mts', 1, [...h264, '-f', 'mpegts', '-mpegts_m2ts_mode', '1']);
  // ffmpeg 4.1 keeps a rotate tag only on stream copy: turn the encoded clip afterwards.
  media['rotated.mp4'] = path.join(dir, 'rotated.mp4');
  await run(ffmpegPaths().ffmpeg, [
    '-v',
    'error',
    '-i',
    media['clip.mov'],
    '-c',
    'copy',
    '-metadata:s:v:0',
    'rotate=90',
    media['rotated.mp4'],
  ]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('images: kind and displayed dimensions, BMP from its own header', async () => {
  const cases: Array<[string, number, number]> = [
    ['photo.jpg', 120, 80],
    ['turned.jpg', 80, 120],
    ['alpha.png', 120, 80],
    ['scan.bmp', 33, 21],
  ];
  for (const [name, width, height] of cases) {
    const sut = await inspectUpload(media[name], name.toUpperCase());
    assert.deepEqual(sut, {
      kind: 'image',
      files: [{ name: name.toUpperCase(), kind: 'image', width, height }],
    });
  }
});

test('videos in every container: duration and dimensions from ffprobe', async () => {
  const cases: Array<[string, number, number, number]> = [
    ['clip.mp4', 2, 96, 64],
    ['clip.mov', 1, 96, 64],
    ['clip.mkv', 1, 96, 64],
    ['clip.webm', 1, 96, 64],
    ['clip.avi', 1, 96, 64],
    ['clip.ts', 1, 96, 64],
    ['clip.mts', 1, 96, 64],
    ['rotated.mp4', 1, 64, 96],
  ];
  for (const [name, seconds, width, height] of cases) {
    const sut = await inspectUpload(media[name], name);
    assert.equal(sut.kind, 'video', name);
    const [file] = sut.files;
    assert.deepEqual(
      [file.name, file.kind, file.width, file.height],
      [name, 'video', width, height],
      name,
    );
    assert.ok(Math.abs(file.durationSeconds! - seconds) <= 0.1, `${name}: ${file.durationSeconds}`);
  }
});

test('archives: each member measured, failures per file, temp files removed', async () => {
  const zip = path.join(dir, 'upload.zip');
  await createZip(
    [
      { name: 'photo.jpg', path: media['photo.jpg'] },
      { name: 'clip.mp4', path: media['clip.mp4'] },
      { name: 'scan.bmp', path: media['scan.bmp'] },
    ],
    zip,
  );
  const sut = await inspectUpload(zip, 'upload.zip', { workDir: work });
  assert.deepEqual(sut.kind, 'archive');
  assert.deepEqual(
    sut.files.map((f) => [
      f.name,
      f.kind,
      f.width,
      f.height,
      f.durationSeconds && Math.round(f.durationSeconds),
    ]),
    [
      ['photo.jpg', 'image', 120, 80, undefined],
      ['clip.mp4', 'video', 96, 64, 2],
      ['scan.bmp', 'image', 33, 21, undefined],
    ],
  );
  assert.deepEqual(readdirSync(work), [], 'work dir is cleaned up');
});

test('archive members that fail become per-file errors', async () => {
  const { readFileSync } = await import('node:fs');
  const jpg = readFileSync(media['photo.jpg']);
  const truncatedVideo = readFileSync(media['clip.mp4']).subarray(0, 64);
  const rar = path.join(dir, 'mixed.rar');
  writeFileSync(
    rar,
    craftRar5([
      { name: 'photo.jpg', data: jpg },
      { name: 'broken.mp4', data: truncatedVideo },
      {
        name: 'garbage.jpg',
        data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(100, 1)]),
      },
      { name: 'sub/clip.mp4', data: readFileSync(media['clip.mp4']) },
      { name: 'notes.txt', data: Buffer.from('hi') },
    ]),
  );
  const sut = await inspectUpload(rar, 'mixed.rar', { workDir: work });
  const byName = Object.fromEntries(sut.files.map((f) => [f.name, f]));
  assert.deepEqual(byName['photo.jpg'], {
    name: 'photo.jpg',
    kind: 'image',
    width: 120,
    height: 80,
  });
  assert.equal(byName['broken.mp4'].kind, 'video');
  assert.match(byName['broken.mp4'].error!, /video is corrupt or unreadable/);
  assert.match(byName['garbage.jpg'].error!, /image is corrupt or unreadable/);
  assert.equal(byName['sub/clip.mp4'].kind, 'video');
  assert.match(byName['sub/clip.mp4'].error!, /sub-folder/);
  assert.match(byName['notes.txt'].error!, /unsupported file type/);
  assert.deepEqual(readdirSync(work), []);
});

test('7z members are measured too', async () => {
  const src = path.join(dir, 'src7');
  mkdirSync(src);
  const archive = path.join(dir, 'upload.7z');
  await run(await sevenZipPath(), [
    'a',
    '-bd',
    '-t7z',
    archive,
    media['clip.webm'],
    media['alpha.png'],
  ]);
  const sut = await inspectUpload(archive, 'upload.7z', { workDir: work });
  assert.deepEqual(
    sut.files.map((f) => [f.name, f.kind, f.width]),
    [
      ['alpha.png', 'image', 120],
      ['clip.webm', 'video', 96],
    ],
  );
});

test('top-level problems throw coded errors with clear messages', async () => {
  const text = path.join(dir, 'notes.jpg');
  writeFileSync(text, 'not a photo');
  await assert.rejects(
    inspectUpload(text, 'notes.jpg'),
    (e) => isVeilError(e, 'CORRUPT_MEDIA') && /extension \.jpg/.test(e.message),
  );
  await assert.rejects(inspectUpload(media['photo.jpg'], 'photo.gif'), (e) =>
    isVeilError(e, 'UNSUPPORTED_FORMAT'),
  );
  await assert.rejects(inspectUpload(media['clip.mp4'], 'clip.mkv'), (e) =>
    isVeilError(e, 'CORRUPT_MEDIA'),
  );
  const broken = path.join(dir, 'broken.mp4');
  const { readFileSync } = await import('node:fs');
  writeFileSync(broken, readFileSync(media['clip.mp4']).subarray(0, 64));
  await assert.rejects(
    inspectUpload(broken, 'broken.mp4'),
    (e) => isVeilError(e, 'CORRUPT_MEDIA') && /video is corrupt/.test(e.message),
  );
  const badBmp = bmp(10, 10);
  badBmp.writeUInt32LE(1 << 30, 10); // pixel data beyond the end of the file
  const badBmpFile = path.join(dir, 'bad.bmp');
  writeFileSync(badBmpFile, badBmp);
  await assert.rejects(
    inspectUpload(badBmpFile, 'bad.bmp'),
    (e) => isVeilError(e, 'CORRUPT_MEDIA') && /BMP image is corrupt/.test(e.message),
  );
  const empty = path.join(dir, 'empty.zip');
  writeFileSync(empty, craftZip([{ name: '__MACOSX/', data: Buffer.alloc(0) }]));
  await assert.rejects(
    inspectUpload(empty, 'empty.zip', { workDir: work }),
    (e) => isVeilError(e, 'ARCHIVE_REJECTED') && /no files/.test(e.message),
  );
  const bomb = path.join(dir, 'bomb.zip');
  writeFileSync(bomb, craftZip([{ name: 'a.bmp', data: Buffer.alloc(8 * 1024 ** 2) }]));
  await assert.rejects(inspectUpload(bomb, 'bomb.zip', { workDir: work }), (e) =>
    isVeilError(e, 'ARCHIVE_REJECTED'),
  );
  assert.deepEqual(readdirSync(work), []);
});

test('huge dimensions are refused before anything is decoded', async () => {
  const huge = bmp(4, 4);
  huge.writeInt32LE(20_000, 18);
  huge.writeInt32LE(20_000, 22); // a 110-byte file claiming 400 megapixels
  const hugeFile = path.join(dir, 'huge.bmp');
  writeFileSync(hugeFile, huge);
  await assert.rejects(
    inspectUpload(hugeFile, 'huge.bmp'),
    (e) =>
      isVeilError(e, 'MEDIA_TOO_LARGE') &&
      /20000x20000 \(400\.0 MP\); the limit is 268\.4 MP/.test(e.message),
  );
  await assert.rejects(
    inspectUpload(media['clip.mp4'], 'clip.mp4', { maxVideoPixels: 96 * 64 - 1 }),
    (e) => isVeilError(e, 'MEDIA_TOO_LARGE') && /video is 96x64/.test(e.message),
  );
  const zip = path.join(dir, 'huge.zip');
  await createZip(
    [
      { name: 'huge.bmp', path: hugeFile },
      { name: 'photo.jpg', path: media['photo.jpg'] },
    ],
    zip,
  );
  const sut = await inspectUpload(zip, 'huge.zip', { workDir: work });
  assert.match(sut.files[0].error!, /image is 20000x20000/);
  assert.equal(sut.files[1].error, undefined);
});

test('an aborted inspection stops', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    inspectUpload(media['clip.mp4'], 'clip.mp4', { signal: controller.signal }),
    (e) => isVeilError(e, 'CANCELLED'),
  );
});
