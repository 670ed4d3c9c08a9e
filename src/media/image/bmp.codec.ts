/**
 * A small BMP codec (sharp/libvips cannot read or write BMP). Reads uncompressed 1/4/8-bit
 * palette, 16/24/32-bit and BI_BITFIELDS images, bottom-up or top-down; writes 24-bit, or 32-bit
 * with an alpha mask (BITMAPV4HEADER) when the image has alpha. RLE and embedded JPEG/PNG are
 * refused with a clear error.
 */
import { VeilError } from '../../errors.ts';

export interface BmpImage {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA), interleaved, top row first. */
  channels: 3 | 4;
  data: Uint8Array;
  /** Bits per pixel of the source, to write back alike (24 or 32). */
  bitsPerPixel: number;
  /** Resolution in pixels per metre, carried through. */
  xPpm: number;
  yPpm: number;
}

export interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  headerSize: number;
  dataOffset: number;
  xPpm: number;
  yPpm: number;
}

const corrupt = (why: string): VeilError => new VeilError('CORRUPT_MEDIA', `Corrupt BMP: ${why}`);
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

/** Reads only the headers: dimensions before any pixel is allocated. */
export function readBmpHeader(buf: Uint8Array): BmpHeader {
  if (!isBmp(buf) || buf.length < 26) throw corrupt('not a BMP file');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  if (headerSize === 12) {
    return {
      width: v.getUint16(18, true),
      height: v.getUint16(20, true),
      topDown: false,
      bitsPerPixel: v.getUint16(24, true),
      compression: BI_RGB,
      headerSize,
      dataOffset,
      xPpm: 0,
      yPpm: 0,
    };
  }
  if (headerSize < 40 || buf.length < 14 + 40) throw corrupt(`unknown header size ${headerSize}`);
  const rawHeight = v.getInt32(22, true);
  return {
    width: v.getInt32(18, true),
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel: v.getUint16(28, true),
    compression: v.getUint32(30, true),
    headerSize,
    dataOffset,
    xPpm: v.getInt32(38, true),
    yPpm: v.getInt32(42, true),
  };
}

function bitfield(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

function readMasks(v: DataView, h: BmpHeader): number[] {
  if (h.compression === BI_BITFIELDS || h.compression === BI_ALPHABITFIELDS) {
    const at = 14 + 40;
    const count = h.compression === BI_ALPHABITFIELDS || h.headerSize >= 56 ? 4 : 3;
    if (v.byteLength < at + count * 4) throw corrupt('truncated bit masks');
    const masks = [0, 1, 2].map((k) => v.getUint32(at + 4 * k, true));
    masks.push(count === 4 ? v.getUint32(at + 12, true) : 0);
    return masks;
  }
  if (h.bitsPerPixel === 16) return [0x7c00, 0x03e0, 0x001f, 0];
  return [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
}

function readPalette(buf: Uint8Array, h: BmpHeader): Uint8Array {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const entrySize = h.headerSize === 12 ? 3 : 4;
  const used = h.headerSize >= 40 ? v.getUint32(46, true) : 0;
  const count = Math.min(used || 1 << h.bitsPerPixel, 1 << h.bitsPerPixel);
  const start = 14 + h.headerSize;
  if (start + count * entrySize > buf.length) throw corrupt('truncated palette');
  const pal = new Uint8Array(256 * 3);
  for (let i = 0; i < count; i++) {
    const p = start + i * entrySize;
    pal.set([buf[p + 2], buf[p + 1], buf[p]], i * 3);
  }
  return pal;
}

/** Decodes a BMP; refuses images over `maxPixels` before allocating them. */
export function decodeBmp(buf: Uint8Array, maxPixels = Infinity): BmpImage {
  const h = readBmpHeader(buf);
  const { width, height, bitsPerPixel: bpp } = h;
  if (width <= 0 || height <= 0) throw corrupt(`bad dimensions ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new VeilError(
      'MEDIA_TOO_LARGE',
      `Image is ${width}x${height}, over the limit of ${maxPixels} pixels`,
    );
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw corrupt(`unsupported bit depth ${bpp}`);
  if (![BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(h.compression)) {
    throw new VeilError(
      'UNSUPPORTED_FORMAT',
      `Compressed BMP (method ${h.compression}) is not supported`,
    );
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (h.dataOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8) > buf.length) {
    throw corrupt('pixel data is truncated');
  }
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const masks = bpp >= 16 ? readMasks(v, h) : [0, 0, 0, 0];
  const fields = masks.map(bitfield);
  const palette = bpp <= 8 ? readPalette(buf, h) : undefined;
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height);
  let alphaSeen = false;
  const scale = (value: number, f: { shift: number; max: number }): number =>
    f.max === 0
      ? 0
      : f.max === 255
        ? (value >>> f.shift) & 255
        : Math.round((((value >>> f.shift) & f.max) * 255) / f.max);
  for (let y = 0; y < height; y++) {
    const row = h.dataOffset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      if (palette) {
        const bit = x * bpp;
        const byte = buf[row + (bit >> 3)];
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        rgb.set(palette.subarray(index * 3, index * 3 + 3), o * 3);
      } else if (bpp === 24 && h.compression === BI_RGB) {
        const p = row + x * 3;
        rgb[o * 3] = buf[p + 2];
        rgb[o * 3 + 1] = buf[p + 1];
        rgb[o * 3 + 2] = buf[p];
      } else {
        const px = bpp === 16 ? v.getUint16(row + x * 2, true) : v.getUint32(row + x * 4, true);
        rgb[o * 3] = scale(px, fields[0]);
        rgb[o * 3 + 1] = scale(px, fields[1]);
        rgb[o * 3 + 2] = scale(px, fields[2]);
        alpha[o] = fields[3].max === 0 ? 255 : scale(px, fields[3]);
        if (alpha[o] !== 0) alphaSeen = true;
      }
    }
  }
  // 32-bit files often leave the 4th byte zero ("X8R8G8B8"): all-zero alpha means opaque.
  const hasAlpha = bpp === 32 && fields[3].max !== 0 && alphaSeen && alpha.some((a) => a !== 255);
  const base = { width, height, bitsPerPixel: bpp, xPpm: h.xPpm, yPpm: h.yPpm };
  if (!hasAlpha) return { ...base, channels: 3, data: rgb };
  const rgba = new Uint8Array(width * height * 4);
  for (let o = 0; o < width * height; o++) {
    rgba[o * 4] = rgb[o * 3];
    rgba[o * 4 + 1] = rgb[o * 3 + 1];
    rgba[o * 4 + 2] = rgb[o * 3 + 2];
    rgba[o * 4 + 3] = alpha[o];
  }
  return { ...base, channels: 4, data: rgba };
}

/**
 * Encodes bottom-up BMP: 24-bit BI_RGB, or 32-bit BI_BITFIELDS with a BITMAPV4HEADER (alpha
 * mask declared) for RGBA or when the source was 32-bit.
 */
export function encodeBmp(
  img: Pick<BmpImage, 'width' | 'height' | 'channels' | 'data'> & Partial<BmpImage>,
): Buffer {
  const { width, height, channels, data } = img;
  const bpp = channels === 4 || img.bitsPerPixel === 32 ? 32 : 24;
  const headerSize = bpp === 32 ? 108 : 40;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const offset = 14 + headerSize;
  const out = Buffer.alloc(offset + stride * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(headerSize, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bpp, 28);
  out.writeUInt32LE(bpp === 32 ? BI_BITFIELDS : BI_RGB, 30);
  out.writeUInt32LE(stride * height, 34);
  out.writeInt32LE(img.xPpm ?? 2835, 38);
  out.writeInt32LE(img.yPpm ?? 2835, 42);
  if (bpp === 32) {
    out.writeUInt32LE(0x00ff0000, 54);
    out.writeUInt32LE(0x0000ff00, 58);
    out.writeUInt32LE(0x000000ff, 62);
    out.writeUInt32LE(0xff000000, 66);
    out.write('BGRs', 70, 'ascii'); // LCS_sRGB, stored little-endian as 'sRGB'
  }
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels;
      const p = row + x * (bpp / 8);
      out[p] = data[s + 2];
      out[p + 1] = data[s + 1];
      out[p + 2] = data[s];
      if (bpp === 32) out[p + 3] = channels === 4 ? data[s + 3] : 255;
    }
  }
  return out;
}
