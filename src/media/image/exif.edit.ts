/**
 * Byte-level EXIF cleaning: the output keeps the camera's EXIF except what would undo the
 * anonymization or leak place: the GPS IFD is unlinked and zeroed, the embedded thumbnail
 * (IFD1, an unblurred copy of the photo) is unlinked and zeroed, and Orientation becomes 1
 * because the pixels are already turned upright.
 */
const EXIF_PREFIX = Buffer.from('Exif\0\0', 'latin1');
const TAG_ORIENTATION = 0x0112;
const TAG_GPS_IFD = 0x8825;
const TAG_THUMB_OFFSET = 0x0201;
const TAG_THUMB_LENGTH = 0x0202;
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

interface Tiff {
  buf: Buffer;
  le: boolean;
}

const u16 = (t: Tiff, at: number): number =>
  t.le ? t.buf.readUInt16LE(at) : t.buf.readUInt16BE(at);
const u32 = (t: Tiff, at: number): number =>
  t.le ? t.buf.readUInt32LE(at) : t.buf.readUInt32BE(at);
function w16(t: Tiff, at: number, v: number): void {
  if (t.le) t.buf.writeUInt16LE(v, at);
  else t.buf.writeUInt16BE(v, at);
}
function w32(t: Tiff, at: number, v: number): void {
  if (t.le) t.buf.writeUInt32LE(v, at);
  else t.buf.writeUInt32BE(v, at);
}

/** Strips the `Exif\0\0` prefix that JPEG APP1 payloads carry (PNG eXIf has none). */
export function tiffBody(exif: Uint8Array): Buffer {
  const b = Buffer.from(exif.buffer, exif.byteOffset, exif.byteLength);
  return b.subarray(0, 6).equals(EXIF_PREFIX) ? b.subarray(6) : b;
}

interface Entry {
  at: number;
  tag: number;
  type: number;
  count: number;
}

function entries(t: Tiff, ifd: number): Entry[] {
  if (ifd + 2 > t.buf.length) throw new RangeError('IFD outside EXIF');
  const n = u16(t, ifd);
  if (ifd + 2 + n * 12 + 4 > t.buf.length) throw new RangeError('IFD outside EXIF');
  return Array.from({ length: n }, (_, k) => {
    const at = ifd + 2 + k * 12;
    return { at, tag: u16(t, at), type: u16(t, at + 2), count: u32(t, at + 4) };
  });
}

/** Zeroes every entry of an IFD and the out-of-line values they point to. */
function wipeIfd(t: Tiff, ifd: number): void {
  const list = entries(t, ifd);
  for (const e of list) {
    const size = (TYPE_SIZES[e.type] ?? 1) * e.count;
    if (size > 4) {
      const off = u32(t, e.at + 8);
      if (off + size <= t.buf.length) t.buf.fill(0, off, off + size);
    }
  }
  t.buf.fill(0, ifd, ifd + 2 + list.length * 12 + 4);
}

function removeEntry(t: Tiff, ifd: number, index: number): void {
  const n = u16(t, ifd);
  const start = ifd + 2 + index * 12;
  const end = ifd + 2 + n * 12 + 4; // entries plus the next-IFD pointer move up together
  t.buf.copy(t.buf, start, start + 12, end);
  t.buf.fill(0, end - 12, end);
  w16(t, ifd, n - 1);
}

/**
 * Returns a cleaned copy of a TIFF-structured EXIF body (with or without the `Exif\0\0`
 * prefix; the result has none), or undefined when it cannot be parsed: then no EXIF is kept,
 * which is the safe side.
 */
export function sanitizeExif(exif: Uint8Array): Buffer | undefined {
  const buf = Buffer.from(tiffBody(exif));
  if (buf.length < 8) return undefined;
  const order = buf.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const t: Tiff = { buf, le: order === 'II' };
  try {
    if (u16(t, 2) !== 42) return undefined;
    const ifd0 = u32(t, 4);
    let list = entries(t, ifd0);
    const gps = list.findIndex((e) => e.tag === TAG_GPS_IFD);
    if (gps >= 0) {
      const gpsIfd = u32(t, list[gps].at + 8);
      if (gpsIfd > 0 && gpsIfd < buf.length) wipeIfd(t, gpsIfd);
      removeEntry(t, ifd0, gps);
      list = entries(t, ifd0);
    }
    const orientation = list.find((e) => e.tag === TAG_ORIENTATION);
    if (orientation && orientation.type === 3) w16(t, orientation.at + 8, 1);
    const nextAt = ifd0 + 2 + list.length * 12;
    const ifd1 = u32(t, nextAt);
    if (ifd1 > 0 && ifd1 < buf.length) {
      const thumb = entries(t, ifd1);
      const off = thumb.find((e) => e.tag === TAG_THUMB_OFFSET);
      const len = thumb.find((e) => e.tag === TAG_THUMB_LENGTH);
      if (off && len) {
        const start = u32(t, off.at + 8);
        const size = len.type === 3 ? u16(t, len.at + 8) : u32(t, len.at + 8);
        if (start + size <= buf.length) buf.fill(0, start, start + size);
      }
      wipeIfd(t, ifd1);
      w32(t, nextAt, 0);
    }
    return buf;
  } catch {
    return undefined;
  }
}

/** Tags of IFD0 (and, for tests, whether a GPS pointer or thumbnail IFD remains). */
export function inspectExif(exif: Uint8Array): {
  tags: number[];
  hasGps: boolean;
  hasThumbnail: boolean;
  orientation?: number;
} {
  const buf = tiffBody(exif);
  const t: Tiff = { buf, le: buf.toString('latin1', 0, 2) === 'II' };
  const ifd0 = u32(t, 4);
  const list = entries(t, ifd0);
  const o = list.find((e) => e.tag === TAG_ORIENTATION);
  return {
    tags: list.map((e) => e.tag),
    hasGps: list.some((e) => e.tag === TAG_GPS_IFD),
    hasThumbnail: u32(t, ifd0 + 2 + list.length * 12) !== 0,
    orientation: o ? u16(t, o.at + 8) : undefined,
  };
}
