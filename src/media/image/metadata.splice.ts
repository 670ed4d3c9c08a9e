/**
 * Puts the input's ICC profile and cleaned EXIF into an encoded JPEG or PNG. sharp encodes our
 * raw pixels without metadata, and cannot take a raw EXIF block or an in-memory profile, so the
 * segments (JPEG APP1/APP2) and chunks (PNG eXIf/iCCP) are written here byte for byte.
 */
import { deflateSync } from 'node:zlib';

export interface ImageMetadata {
  /** ICC profile bytes. */
  icc?: Buffer;
  /** TIFF-structured EXIF body (no `Exif\0\0` prefix). */
  exif?: Buffer;
}

const ICC_MARKER = Buffer.from('ICC_PROFILE\0', 'latin1');
const EXIF_MARKER = Buffer.from('Exif\0\0', 'latin1');
const MAX_SEGMENT = 65533; // payload bytes after the 2-byte length

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Inserts APP1 (EXIF) and APP2 (ICC, split in chunks) after SOI and any JFIF APP0. */
export function spliceJpeg(jpeg: Buffer, meta: ImageMetadata): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  let at = 2;
  if (jpeg[at] === 0xff && jpeg[at + 1] === 0xe0) at += 2 + jpeg.readUInt16BE(at + 2);
  const parts: Buffer[] = [];
  if (meta.exif && meta.exif.length + EXIF_MARKER.length <= MAX_SEGMENT) {
    parts.push(segment(0xe1, Buffer.concat([EXIF_MARKER, meta.exif])));
  }
  if (meta.icc && meta.icc.length > 0) {
    const chunk = MAX_SEGMENT - ICC_MARKER.length - 2;
    const count = Math.ceil(meta.icc.length / chunk);
    if (count <= 255) {
      for (let k = 0; k < count; k++) {
        const body = meta.icc.subarray(k * chunk, (k + 1) * chunk);
        parts.push(segment(0xe2, Buffer.concat([ICC_MARKER, Buffer.from([k + 1, count]), body])));
      }
    }
  }
  return Buffer.concat([jpeg.subarray(0, at), ...parts, jpeg.subarray(at)]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Inserts iCCP and eXIf after IHDR, dropping chunks that would contradict them. */
export function splicePng(png: Buffer, meta: ImageMetadata): Buffer {
  const signature = 8;
  if (png.readUInt32BE(12) !== 0x49484452) throw new Error('PNG without IHDR first');
  const ihdrEnd = signature + 12 + png.readUInt32BE(signature);
  const inserted: Buffer[] = [];
  if (meta.icc && meta.icc.length > 0) {
    inserted.push(
      chunk(
        'iCCP',
        Buffer.concat([Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(meta.icc)]),
      ),
    );
  }
  if (meta.exif) inserted.push(chunk('eXIf', meta.exif));
  const drop = new Set([...(meta.icc ? ['iCCP', 'sRGB'] : []), ...(meta.exif ? ['eXIf'] : [])]);
  const rest: Buffer[] = [];
  for (let at = ihdrEnd; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + len;
    if (!drop.has(type)) rest.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat([png.subarray(0, ihdrEnd), ...inserted, ...rest]);
}
