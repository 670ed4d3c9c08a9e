import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, identifyBytes } from '../../../src/media/identify.ts';
import { isVeilError } from '../../../src/errors.ts';

// Heads built from each format's published signature, padded like a real file would be.
function bytes(...parts: Array<number[] | string>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p));
  return Uint8Array.from(out);
}
const pad = (n: number) => new Array<number>(n).fill(0);

function tsStream(packet: number, prefix: number, count: number): Uint8Array {
  const b = new Uint8Array(packet * count);
  for (let i = 0; i < count; i++) b[i * packet + prefix] = 0x47;
  return b;
}

function ebml(docType: string): Uint8Array {
  // EBML header: id, size, then DocType element 0x4282 with a 1-byte size vint.
  return bytes(
    [0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82],
    [0x80 | docType.length],
    docType,
    pad(16),
  );
}

const heads = {
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF', pad(20)),
  png: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pad(20)),
  bmp: bytes('BM', [0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0, 0, 0], pad(20)),
  mp4: bytes([0, 0, 0, 0x20], 'ftypisom', pad(20)),
  mov: bytes([0, 0, 0, 0x14], 'ftypqt  ', pad(20)),
  oldMov: bytes([0, 0, 0, 0x08], 'wide', pad(20)),
  mkv: ebml('matroska'),
  webm: ebml('webm'),
  ts: tsStream(188, 0, 6),
  m2ts: tsStream(192, 4, 6),
  avi: bytes('RIFF', [0, 0, 0, 0], 'AVI LIST', pad(20)),
  zip: bytes('PK', [3, 4], pad(26)),
  emptyZip: bytes('PK', [5, 6], pad(18)),
  rar4: bytes('Rar!', [0x1a, 0x07, 0x00], pad(10)),
  rar5: bytes('Rar!', [0x1a, 0x07, 0x01, 0x00], pad(10)),
  sevenZip: bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], pad(26)),
  gif: bytes('GIF89a', pad(20)),
  text: bytes('BMW and Audi are car brands, not bitmaps.'),
};

test('recognises each supported format from its first bytes', () => {
  const cases: Array<[keyof typeof heads, string | undefined]> = [
    ['jpeg', 'jpeg'],
    ['png', 'png'],
    ['bmp', 'bmp'],
    ['mp4', 'isobmff'],
    ['mov', 'isobmff'],
    ['oldMov', 'isobmff'],
    ['mkv', 'matroska'],
    ['webm', 'webm'],
    ['ts', 'mpegts'],
    ['m2ts', 'm2ts'],
    ['avi', 'avi'],
    ['zip', 'zip'],
    ['emptyZip', 'zip'],
    ['rar4', 'rar'],
    ['rar5', 'rar'],
    ['sevenZip', '7z'],
    ['gif', undefined],
    ['text', undefined],
  ];
  for (const [head, format] of cases) assert.equal(detectFormat(heads[head]), format, head);
});

test('accepts content that agrees with the extension, case-insensitively', () => {
  const cases: Array<[keyof typeof heads, string, string, string]> = [
    ['jpeg', 'a.jpg', 'image', '.jpg'],
    ['jpeg', 'A.JPEG', 'image', '.jpeg'],
    ['png', 'x.PNG', 'image', '.png'],
    ['bmp', 'x.bmp', 'image', '.bmp'],
    ['mp4', 'clip.mov', 'video', '.mov'],
    ['mov', 'clip.MP4', 'video', '.mp4'],
    ['mkv', 'c.mkv', 'video', '.mkv'],
    ['webm', 'c.mkv', 'video', '.mkv'],
    ['webm', 'c.webm', 'video', '.webm'],
    ['ts', 'c.ts', 'video', '.ts'],
    ['m2ts', 'c.MTS', 'video', '.mts'],
    ['ts', 'c.mts', 'video', '.mts'],
    ['avi', 'c.avi', 'video', '.avi'],
    ['zip', 'photos.zip', 'archive', '.zip'],
    ['rar4', 'photos.rar', 'archive', '.rar'],
    ['rar5', 'photos.RAR', 'archive', '.rar'],
    ['sevenZip', 'photos.7z', 'archive', '.7z'],
  ];
  for (const [head, name, kind, ext] of cases) {
    const sut = identifyBytes(heads[head], name);
    assert.deepEqual([sut.kind, sut.ext], [kind, ext], name);
  }
});

test('refuses content that is not what the extension says, naming the extension', () => {
  const cases: Array<[keyof typeof heads, string]> = [
    ['png', 'photo.jpg'],
    ['jpeg', 'photo.png'],
    ['text', 'photo.bmp'],
    ['mkv', 'clip.webm'],
    ['zip', 'clip.mp4'],
    ['mp4', 'photos.zip'],
    ['rar5', 'photos.7z'],
    ['gif', 'clip.avi'],
  ];
  for (const [head, name] of cases) {
    assert.throws(
      () => identifyBytes(heads[head], name),
      (err) =>
        isVeilError(err, 'CORRUPT_MEDIA') &&
        err.message.startsWith(
          `content is not what the extension ${name.slice(name.indexOf('.'))} says`,
        ),
      name,
    );
  }
});

test('refuses unsupported extensions with the list of supported ones', () => {
  for (const name of ['anim.gif', 'README', 'doc.pdf', 'archive.tar.gz']) {
    assert.throws(
      () => identifyBytes(heads.gif, name),
      (err) =>
        isVeilError(err, 'UNSUPPORTED_FORMAT') && /supported: .*\.jpg.*\.7z/.test(err.message),
      name,
    );
  }
});

test('refuses an empty file as corrupt', () => {
  assert.throws(
    () => identifyBytes(new Uint8Array(0), 'a.jpg'),
    (err) => isVeilError(err, 'CORRUPT_MEDIA') && /empty/.test(err.message),
  );
});

test('a single 0x47 byte is not taken for a transport stream', () => {
  const b = new Uint8Array(1000);
  b[0] = 0x47;
  assert.equal(detectFormat(b), undefined);
});
