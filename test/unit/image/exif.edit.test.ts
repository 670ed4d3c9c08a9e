import { test } from 'node:test';
import assert from 'node:assert/strict';
import exifReader from 'exif-reader';
import { inspectExif, sanitizeExif } from '../../../src/media/image/exif.edit.ts';

type Tag = [tag: number, type: number, count: number, value: number | Buffer];

/** Builds a TIFF (either byte order): IFD0 -> GPS IFD, IFD0 -> IFD1 (thumbnail). */
function buildTiff(le: boolean): Buffer {
  const buf = Buffer.alloc(512);
  const w16 = (v: number, at: number): number =>
    le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at);
  const w32 = (v: number, at: number): number =>
    le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at);
  buf.write(le ? 'II' : 'MM', 0, 'latin1');
  w16(42, 2);
  w32(8, 4);
  let data = 300; // out-of-line values live from here on
  function ifd(at: number, tags: Tag[], next: number): void {
    w16(tags.length, at);
    tags.forEach(([tag, type, count, value], k) => {
      const e = at + 2 + k * 12;
      w16(tag, e);
      w16(type, e + 2);
      w32(count, e + 4);
      if (Buffer.isBuffer(value)) {
        value.copy(buf, data);
        w32(data, e + 8);
        data += value.length;
      } else if (type === 3) w16(value, e + 8);
      else w32(value, e + 8);
    });
    w32(next, at + 2 + tags.length * 12);
  }
  const rational = Buffer.alloc(24);
  [48, 1, 51, 1, 24, 1].forEach((v, k) =>
    le ? rational.writeUInt32LE(v, k * 4) : rational.writeUInt32BE(v, k * 4),
  );
  ifd(
    8,
    [
      [0x010f, 2, 8, Buffer.from('VeilCam\0', 'latin1')],
      [0x0112, 3, 1, 6],
      [0x8825, 4, 1, 100],
    ],
    200,
  );
  ifd(
    100,
    [
      [0x0001, 2, 2, Buffer.from('N\0', 'latin1').readUInt16BE(0) << (le ? 0 : 16)],
      [0x0002, 5, 3, rational],
    ],
    0,
  );
  ifd(
    200,
    [
      [0x0201, 4, 1, 450],
      [0x0202, 4, 1, 9],
    ],
    0,
  );
  buf.write('THUMBDATA', 450, 'latin1');
  return buf;
}

test('removes GPS and the thumbnail, resets orientation, keeps the rest (both byte orders)', () => {
  for (const le of [true, false]) {
    const input = buildTiff(le);
    const before = inspectExif(input);
    assert.deepEqual([before.hasGps, before.hasThumbnail, before.orientation], [true, true, 6]);
    const sut = sanitizeExif(Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), input]))!;
    const after = inspectExif(sut);
    assert.deepEqual(
      [after.hasGps, after.hasThumbnail, after.orientation],
      [false, false, 1],
      le ? 'II' : 'MM',
    );
    assert.deepEqual(after.tags, [0x010f, 0x0112]);
    assert.ok(!sut.includes(Buffer.from('THUMBDATA')), 'thumbnail bytes wiped');
    assert.ok(
      sut.subarray(300).every((b, k) => k + 300 < 300 + 8 || b === 0),
      'GPS values wiped',
    );
    assert.equal(exifReader(sut).Image?.Make, 'VeilCam');
  }
});

test('unparseable EXIF is dropped rather than passed through', () => {
  const cases = [
    Buffer.from('garbage!'),
    Buffer.from('II*\0\xff\xff\0\0', 'latin1'),
    Buffer.alloc(3),
  ];
  for (const c of cases) assert.equal(sanitizeExif(c), undefined);
});
