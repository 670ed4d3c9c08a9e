import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExtractionBudget,
  defaultArchiveLimits,
  humanBytes,
  judgeEntry,
} from '../../../src/media/archive/entry-policy.ts';
import { isVeilError } from '../../../src/errors.ts';

test('root-level images and videos are extracted, by extension case-insensitively', () => {
  const cases: Array<[string, 'image' | 'video', string]> = [
    ['a.jpg', 'image', 'a.jpg'],
    ['B.JPEG', 'image', 'B.JPEG'],
    ['./c.png', 'image', 'c.png'],
    ['d.bmp', 'image', 'd.bmp'],
    ['clip.MP4', 'video', 'clip.MP4'],
    ['clip.mts', 'video', 'clip.mts'],
    ['clip.webm', 'video', 'clip.webm'],
  ];
  for (const [raw, kind, name] of cases) {
    assert.deepEqual(judgeEntry(raw), { action: 'extract', kind, name }, raw);
  }
});

test('folders and OS junk are skipped silently', () => {
  const cases: Array<[string, { directory?: boolean }]> = [
    ['photos/', {}],
    ['photos', { directory: true }],
    ['__MACOSX/._a.jpg', {}],
    ['__MACOSX/', {}],
    ['.DS_Store', {}],
    ['sub/.DS_Store', {}],
    ['Thumbs.db', {}],
    ['THUMBS.DB', {}],
    ['._a.jpg', {}],
    ['./', {}],
  ];
  for (const [raw, opts] of cases) assert.deepEqual(judgeEntry(raw, opts), { action: 'skip' }, raw);
});

test('entries that cannot be processed fail alone with a clear message', () => {
  const cases: Array<[string, { symlink?: boolean }, string, RegExp]> = [
    ['sub/a.jpg', {}, 'sub/a.jpg', /sub-folder/],
    ['sub\\a.jpg', {}, 'sub/a.jpg', /sub-folder/],
    ['inner.zip', {}, 'inner.zip', /nested archives/],
    ['inner.7Z', {}, 'inner.7Z', /nested archives/],
    ['inner.rar', {}, 'inner.rar', /nested archives/],
    ['notes.txt', {}, 'notes.txt', /unsupported file type \(extension \.txt\)/],
    ['README', {}, 'README', /no extension/],
    ['link.jpg', { symlink: true }, 'link.jpg', /symbolic links/],
  ];
  for (const [raw, opts, name, error] of cases) {
    const sut = judgeEntry(raw, opts);
    assert.equal(sut.action, 'fail', raw);
    assert.equal(sut.action === 'fail' && sut.name, name, raw);
    assert.match(sut.action === 'fail' ? sut.error : '', error, raw);
  }
});

test('paths that leave the extraction folder reject the whole archive', () => {
  for (const raw of [
    '../a.jpg',
    'a/../../b.jpg',
    '..\\a.jpg',
    '/etc/a.jpg',
    '\\a.jpg',
    'C:/a.jpg',
    'c:a.jpg',
    'a\0.jpg',
  ]) {
    assert.throws(
      () => judgeEntry(raw),
      (err) => isVeilError(err, 'ARCHIVE_REJECTED') && /unsafe path/.test(err.message),
      JSON.stringify(raw),
    );
  }
});

const limits = {
  ...defaultArchiveLimits,
  maxTotalBytes: 10_000_000,
  maxRatio: 100,
  ratioFloorBytes: 1_000_000,
};

test('the budget refuses more bytes than allowed, counted as they stream', () => {
  const sut = new ExtractionBudget(limits, 50_000_000);
  sut.startEntry(9_000_000);
  sut.add(9_000_000);
  assert.throws(
    () => sut.add(1_000_001),
    (err) => isVeilError(err, 'ARCHIVE_REJECTED') && /more than 9\.5 MiB/.test(err.message),
  );
});

test('the budget refuses a compression ratio beyond the limit once past the floor', () => {
  const sut = new ExtractionBudget(limits, 50_000_000);
  sut.startEntry(5_000);
  sut.add(400_000); // 80:1 and under the floor
  sut.add(100_000); // 100:1, still allowed
  assert.throws(
    () => sut.add(1_000_000),
    (err) => isVeilError(err, 'ARCHIVE_REJECTED') && /100:1/.test(err.message),
  );
  // Small files may compress far better than the limit: below the floor nothing is judged.
  const small = new ExtractionBudget(limits, 1_000);
  small.startEntry(10);
  small.add(900_000);
});

test('without per-entry packed sizes, the archive size is the packed size', () => {
  const sut = new ExtractionBudget(limits, 20_000);
  sut.startEntry();
  sut.add(1_500_000);
  sut.startEntry();
  assert.throws(
    () => sut.add(600_000),
    (err) => isVeilError(err, 'ARCHIVE_REJECTED'),
  );
});

test('entry counts and declared sizes are checked before unpacking', () => {
  const sut = new ExtractionBudget({ ...limits, maxEntries: 3 }, 1_000);
  sut.checkEntryCount(3);
  assert.throws(
    () => sut.checkEntryCount(4),
    (err) => isVeilError(err, 'ARCHIVE_REJECTED') && /more than 3 entries/.test(err.message),
  );
  assert.throws(
    () => sut.checkDeclared(10_000_001),
    (err) => isVeilError(err, 'ARCHIVE_REJECTED'),
  );
  sut.checkDeclared(10_000_000);
});

test('sizes read like people write them', () => {
  const cases: Array<[number, string]> = [
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [16 * 1024 ** 3, '16 GiB'],
  ];
  for (const [n, text] of cases) assert.equal(humanBytes(n), text);
});
