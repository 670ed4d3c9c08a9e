import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createZip, extractArchive } from '../../../src/media/archive/index.ts';
import { sevenZipPath } from '../../../src/media/archive/seven-zip.runtime.ts';
import { isVeilError, type ErrorCode } from '../../../src/errors.ts';
import {
  craftHeaderEncryptedRar5,
  craftRar4,
  craftRar5,
  craftZip,
  type RarEntrySpec,
} from './craft.ts';

let dir: string;
let jpg: Buffer;
let png: Buffer;
let n = 0;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-archive-'));
  jpg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#884422' } })
    .jpeg()
    .toBuffer();
  png = await sharp({ create: { width: 32, height: 16, channels: 4, background: '#00ff0080' } })
    .png()
    .toBuffer();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, `${n++}-${name}`);
  writeFileSync(p, bytes);
  return p;
}
const outDir = () => path.join(dir, `out-${n++}`);

async function rejects(archive: string, code: ErrorCode, message: RegExp, limits = {}) {
  const out = outDir();
  await assert.rejects(
    extractArchive(archive, out, limits),
    (err) => isVeilError(err, code) && message.test(err.message),
  );
  assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], 'nothing is left behind');
}

/** One archive of every kind of entry; every reader must give the same results. */
const mixed = () => [
  { name: 'a.jpg', data: jpg },
  { name: 'b.PNG', data: png },
  { name: 'photos/', directory: true },
  { name: 'photos/c.jpg', data: jpg },
  { name: 'inner.zip', data: craftZip([{ name: 'x.jpg', data: jpg }]) },
  { name: 'notes.txt', data: Buffer.from('hello') },
  { name: '__MACOSX/._a.jpg', data: Buffer.from('junk') },
  { name: '.DS_Store', data: Buffer.from('junk') },
  { name: 'fake.png', data: jpg },
];

function assertMixed(results: Awaited<ReturnType<typeof extractArchive>>, out: string) {
  assert.deepEqual(
    results.map((r) => [r.name, r.kind, r.path && path.relative(out, r.path)]),
    [
      ['a.jpg', 'image', 'a.jpg'],
      ['b.PNG', 'image', 'b.PNG'],
      ['photos/c.jpg', undefined, undefined],
      ['inner.zip', undefined, undefined],
      ['notes.txt', undefined, undefined],
      ['fake.png', undefined, undefined],
    ],
  );
  const errors = Object.fromEntries(results.map((r) => [r.name, r.error]));
  assert.match(errors['photos/c.jpg']!, /sub-folder/);
  assert.match(errors['inner.zip']!, /nested archives/);
  assert.match(errors['notes.txt']!, /unsupported file type/);
  assert.match(errors['fake.png']!, /content is not what the extension \.png says/);
  assert.deepEqual(readdirSync(out).sort(), ['a.jpg', 'b.PNG']);
  assert.ok(readFileSync(path.join(out, 'a.jpg')).equals(jpg));
  assert.ok(readFileSync(path.join(out, 'b.PNG')).equals(png));
}

test('zip: root files extracted, sub-folders, nested archives and other types fail alone', async () => {
  const out = outDir();
  assertMixed(await extractArchive(file('mixed.zip', craftZip(mixed())), out), out);
});

test('rar 5: the same archive gives the same results', async () => {
  const out = outDir();
  assertMixed(
    await extractArchive(file('mixed.rar', craftRar5(mixed() as RarEntrySpec[])), out),
    out,
  );
});

test('rar 4: root files extracted, sub-folders fail alone, encryption refused', async () => {
  const out = outDir();
  const archive = craftRar4([
    { name: 'a.jpg', data: jpg },
    { name: 'photos/c.jpg', data: jpg },
    { name: 'b.png', data: png },
  ]);
  const results = await extractArchive(file('old.rar', archive), out);
  assert.deepEqual(
    results.map((r) => [r.name, r.kind, r.path && path.basename(r.path)]),
    [
      ['a.jpg', 'image', 'a.jpg'],
      ['photos/c.jpg', undefined, undefined],
      ['b.png', 'image', 'b.png'],
    ],
  );
  assert.ok(readFileSync(path.join(out, 'b.png')).equals(png));
  const encrypted = craftRar4([{ name: 'a.jpg', data: jpg, encrypted: true }]);
  await rejects(file('enc4.rar', encrypted), 'ARCHIVE_REJECTED', /^archive is encrypted/);
});

test('7z made by 7za: the same results, symlinks refused', async () => {
  const src = path.join(dir, `src-${n++}`);
  mkdirSync(path.join(src, 'photos'), { recursive: true });
  for (const e of mixed()) {
    if (e.name.endsWith('/') || e.name.startsWith('__MACOSX')) continue;
    writeFileSync(path.join(src, e.name), e.data!);
  }
  symlinkSync('/etc/passwd', path.join(src, 'link.jpg'));
  const archive = path.join(dir, `${n++}-mixed.7z`);
  execFileSync(await sevenZipPath(), ['a', '-bd', '-t7z', archive, '.'], { cwd: src });
  const out = outDir();
  const results = await extractArchive(archive, out);
  const link = results.find((r) => r.name === 'link.jpg');
  assert.deepEqual(link, { name: 'link.jpg', error: 'symbolic links are not allowed' });
  // 7z lists entries sorted by name, not in the order above.
  const order = (r: { name: string }) => mixed().findIndex((e) => e.name === r.name);
  assertMixed(
    results.filter((r) => r !== link).sort((a, b) => order(a) - order(b)),
    out,
  );
});

test('createZip output extracts back to the same bytes', async () => {
  const zip = path.join(dir, `${n++}-results.zip`);
  await createZip(
    [
      { name: 'one.jpg', path: file('x.jpg', jpg) },
      { name: 'two.png', path: file('y.png', png) },
    ],
    zip,
  );
  const out = outDir();
  const results = await extractArchive(zip, out);
  assert.deepEqual(
    results.map((r) => [r.name, r.kind]),
    [
      ['one.jpg', 'image'],
      ['two.png', 'image'],
    ],
  );
  assert.ok(readFileSync(path.join(out, 'one.jpg')).equals(jpg));
  await assert.rejects(
    createZip([{ name: '../x.jpg', path: file('z.jpg', jpg) }], zip),
    /plain file name/,
  );
});

test('zip-slip: a ../ , absolute or backslashed path rejects the whole archive', async () => {
  for (const name of ['../evil.jpg', '/tmp/evil.jpg', '..\\evil.jpg', 'ok/../../evil.jpg']) {
    const archive = file(
      'slip.zip',
      craftZip([
        { name: 'a.jpg', data: jpg },
        { name, data: jpg },
      ]),
    );
    await rejects(archive, 'ARCHIVE_REJECTED', /unsafe path/);
  }
  await rejects(
    file(
      'slip.rar',
      craftRar5([
        { name: 'a.jpg', data: jpg },
        { name: '../evil.jpg', data: jpg },
      ]),
    ),
    'ARCHIVE_REJECTED',
    /unsafe path/,
  );
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('evil')).length, 0);
});

test('symlinks are refused, the other members go on', async () => {
  const out = outDir();
  const zip = craftZip([
    { name: 'a.jpg', data: jpg },
    { name: 'l.jpg', data: Buffer.from('/etc/passwd'), symlink: true },
  ]);
  const results = await extractArchive(file('link.zip', zip), out);
  assert.deepEqual(
    results.map((r) => [r.name, r.error]),
    [
      ['a.jpg', undefined],
      ['l.jpg', 'symbolic links are not allowed'],
    ],
  );
  const rar = craftRar5([
    { name: 'a.jpg', data: jpg },
    { name: 'l.jpg', data: Buffer.from('/etc/passwd'), symlinkTo: '/etc/passwd' },
  ]);
  const out2 = outDir();
  const fromRar = await extractArchive(file('link.rar', rar), out2);
  assert.equal(fromRar[0].path, path.join(out2, 'a.jpg'));
  assert.match(fromRar[1].error!, /not a regular file/);
  assert.deepEqual(readdirSync(out2), ['a.jpg']);
});

test('encrypted archives are refused as a whole with a clear message', async () => {
  const encrypted = /^archive is encrypted/;
  await rejects(
    file(
      'enc.zip',
      craftZip([
        { name: 'a.jpg', data: jpg },
        { name: 'b.jpg', data: jpg, encrypted: true },
      ]),
    ),
    'ARCHIVE_REJECTED',
    encrypted,
  );
  await rejects(
    file('enc.rar', craftRar5([{ name: 'a.jpg', data: jpg, encrypted: true }])),
    'ARCHIVE_REJECTED',
    encrypted,
  );
  await rejects(file('henc.rar', craftHeaderEncryptedRar5()), 'ARCHIVE_REJECTED', encrypted);
  const src = file('a.jpg', jpg);
  for (const args of [['-psecret'], ['-psecret', '-mhe=on']]) {
    const archive = path.join(dir, `${n++}-enc.7z`);
    execFileSync(await sevenZipPath(), ['a', '-bd', '-t7z', ...args, archive, src]);
    await rejects(archive, 'ARCHIVE_REJECTED', encrypted);
  }
});

test('zip bomb with lying headers is stopped while inflating', async () => {
  // 64 MiB of zeros deflate to ~64 KiB; the headers claim 1000 bytes.
  const bomb = craftZip([{ name: 'a.bmp', data: Buffer.alloc(64 * 1024 ** 2), claimSize: 1000 }]);
  assert.ok(bomb.length < 200_000);
  await rejects(file('lie.zip', bomb), 'ARCHIVE_REJECTED', /more bytes than its header says/);
});

test('zip bomb with honest headers is stopped by the ratio or the size limit', async () => {
  const honest = file(
    'honest.zip',
    craftZip([{ name: 'a.bmp', data: Buffer.alloc(20 * 1024 ** 2) }]),
  );
  await rejects(honest, 'ARCHIVE_REJECTED', /compressed more than 200:1/);
  await rejects(honest, 'ARCHIVE_REJECTED', /unpacks to more than 10 MiB/, {
    maxTotalBytes: 10 * 1024 ** 2,
    maxRatio: 1e9,
  });
  const zeros = file('zeros.bmp', Buffer.alloc(20 * 1024 ** 2));
  const archive = path.join(dir, `${n++}-bomb.7z`);
  execFileSync(await sevenZipPath(), ['a', '-bd', '-t7z', archive, zeros]);
  await rejects(archive, 'ARCHIVE_REJECTED', /compressed more than 200:1/);
});

test('too many entries are refused before anything is unpacked', async () => {
  const entries = Array.from({ length: 12 }, (_, i) => ({ name: `${i}.jpg`, data: jpg }));
  await rejects(file('many.zip', craftZip(entries)), 'ARCHIVE_REJECTED', /more than 10 entries/, {
    maxEntries: 10,
  });
  await rejects(file('many.rar', craftRar5(entries)), 'ARCHIVE_REJECTED', /more than 10 entries/, {
    maxEntries: 10,
  });
});

test('a rar whose stored data is longer than its header says is refused', async () => {
  const lying = craftRar5([
    { name: 'a.jpg', data: Buffer.concat([jpg, Buffer.alloc(3_000_000)]), claimSize: 100 },
  ]);
  await rejects(file('lie.rar', lying), 'CORRUPT_MEDIA', /rar archive is corrupt/);
});

test('damaged and non-archives are refused as corrupt', async () => {
  await rejects(
    file('junk.zip', Buffer.from('this is not an archive at all')),
    'CORRUPT_MEDIA',
    /not a zip, 7z or rar/,
  );
  const src = path.join(dir, `src-${n++}`);
  mkdirSync(src);
  writeFileSync(path.join(src, 'a.jpg'), jpg);
  const good = path.join(dir, `${n++}-good.7z`);
  execFileSync(await sevenZipPath(), ['a', '-bd', '-t7z', good, 'a.jpg'], { cwd: src });
  await rejects(
    file('trunc.7z', readFileSync(good).subarray(0, 40)),
    'CORRUPT_MEDIA',
    /7z archive is corrupt/,
  );
  await rejects(
    file('trunc.zip', craftZip([{ name: 'a.jpg', data: jpg }]).subarray(0, 100)),
    'CORRUPT_MEDIA',
    /zip archive is corrupt/,
  );
});

test('cancelling stops an extraction in any format and leaves nothing behind', async () => {
  const big = Buffer.concat([jpg.subarray(0, 4), randomBytes(48 * 1024 ** 2)]);
  const src = file('big.jpg', big);
  const sevenZip = path.join(dir, `${n++}-big.7z`);
  execFileSync(await sevenZipPath(), ['a', '-bd', '-t7z', '-mx=0', sevenZip, src]);
  const archives = [
    file('big.zip', craftZip([{ name: 'big.jpg', data: big, deflate: false }])),
    file('big.rar', craftRar5([{ name: 'big.jpg', data: big }])),
    sevenZip,
  ];
  for (const archive of archives) {
    const controller = new AbortController();
    const out = outDir();
    const started = Date.now();
    const pending = extractArchive(archive, out, {}, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(pending, (err) => isVeilError(err, 'CANCELLED'), archive);
    assert.ok(Date.now() - started < 5000, `${archive} stopped promptly`);
    assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], archive);
  }
  const aborted = AbortSignal.abort();
  await assert.rejects(extractArchive(archives[0], outDir(), {}, { signal: aborted }), (err) =>
    isVeilError(err, 'CANCELLED'),
  );
});
