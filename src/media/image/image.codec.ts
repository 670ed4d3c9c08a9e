/**
 * Image decode/encode for the pipeline: JPEG and PNG through sharp, BMP through our own codec.
 * Decoding turns the pixels upright (EXIF orientation) and keeps what encoding needs to give
 * back the same format: quality and chroma subsampling (JPEG), alpha, grey, ICC profile, and
 * EXIF minus GPS and thumbnail.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { VeilError } from '../../errors.ts';
import type { RgbFrame } from '../../engine/types.ts';
import { decodeBmp, encodeBmp, isBmp, readBmpHeader } from './bmp.codec.ts';
import { sanitizeExif } from './exif.edit.ts';
import { estimateJpegQuality } from './jpeg.quality.ts';
import { spliceJpeg, splicePng } from './metadata.splice.ts';

export type ImageFormat = 'jpeg' | 'png' | 'bmp';

/** Default limit on decoded pixels (100 MP): above it, MEDIA_TOO_LARGE. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodedImage {
  format: ImageFormat;
  /** Upright RGB pixels: what detection and rendering work on. */
  frame: RgbFrame;
  /** One byte per pixel when the input has alpha. */
  alpha?: Uint8Array;
  /** Single-channel input: encoded back as grey. */
  grey: boolean;
  icc?: Buffer;
  /** Cleaned TIFF-structured EXIF (no GPS, no thumbnail, Orientation 1). */
  exif?: Buffer;
  jpeg?: { quality: number; chroma444: boolean; progressive: boolean };
  bmp?: { bitsPerPixel: number; xPpm: number; yPpm: number };
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
}

export function sniffImageFormat(buf: Uint8Array): ImageFormat | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (
    buf.length >= 8 &&
    Buffer.from(buf.subarray(0, 8)).equals(Buffer.from('89504e470d0a1a0a', 'hex'))
  )
    return 'png';
  if (isBmp(buf)) return 'bmp';
  return undefined;
}

export function formatOfExtension(ext: string): ImageFormat | undefined {
  const e = ext.toLowerCase();
  if (e === '.jpg' || e === '.jpeg') return 'jpeg';
  if (e === '.png') return 'png';
  if (e === '.bmp') return 'bmp';
  return undefined;
}

function tooLarge(width: number, height: number, max: number): VeilError {
  return new VeilError(
    'MEDIA_TOO_LARGE',
    `Image is ${width}x${height}, over the limit of ${max} pixels`,
  );
}

function splitAlpha(
  data: Uint8Array,
  pixels: number,
  channels: number,
): { rgb: Uint8Array; alpha?: Uint8Array; grey: boolean } {
  if (channels === 3) return { rgb: data, grey: false };
  const grey = channels <= 2;
  const hasAlpha = channels === 2 || channels === 4;
  const rgb = new Uint8Array(pixels * 3);
  const alpha = hasAlpha ? new Uint8Array(pixels) : undefined;
  for (let i = 0; i < pixels; i++) {
    const s = i * channels;
    if (grey) rgb.fill(data[s], i * 3, i * 3 + 3);
    else rgb.set(data.subarray(s, s + 3), i * 3);
    if (alpha) alpha[i] = data[s + channels - 1];
  }
  return { rgb, alpha, grey };
}

async function decodeWithSharp(
  buf: Buffer,
  format: ImageFormat,
  maxPixels: number,
): Promise<DecodedImage> {
  // PNG dimensions come straight from IHDR, so a huge claim is refused even if the rest is junk.
  if (format === 'png' && buf.length >= 24) {
    const [w, h] = [buf.readUInt32BE(16), buf.readUInt32BE(20)];
    if (w * h > maxPixels) throw tooLarge(w, h, maxPixels);
  }
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new VeilError('CORRUPT_MEDIA', `Cannot read the image: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const { width = 0, height = 0 } = meta;
  if (width * height > maxPixels) throw tooLarge(width, height, maxPixels);
  // CMYK is converted to sRGB (its profile no longer applies); otherwise pixel values are kept
  // as stored, so re-attaching the input's profile reproduces the input's colours.
  const cmyk = meta.space === 'cmyk';
  let pipeline = sharp(buf, { limitInputPixels: maxPixels, failOn: 'error' }).autoOrient();
  if (!cmyk) pipeline = pipeline.keepIccProfile();
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new VeilError('CORRUPT_MEDIA', `Cannot decode the image: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const { info } = raw;
  const {
    rgb,
    alpha,
    grey: greyRaw,
  } = splitAlpha(raw.data, info.width * info.height, info.channels);
  // sharp may hand a grey image over as RGB; the metadata still says it was grey.
  const grey = greyRaw || meta.space === 'b-w' || (meta.channels ?? 3) <= 2;
  const exif = meta.exif ? sanitizeExif(meta.exif) : undefined;
  return {
    format,
    frame: { data: rgb, width: info.width, height: info.height },
    alpha,
    grey,
    icc: cmyk ? undefined : meta.icc,
    exif,
    jpeg:
      format === 'jpeg'
        ? {
            quality: estimateJpegQuality(buf),
            chroma444: meta.chromaSubsampling === '4:4:4',
            progressive: !!meta.isProgressive,
          }
        : undefined,
  };
}

/** Decodes an image whose content must be `expected` (the format its file name says). */
export async function decodeImage(
  buf: Buffer,
  expected: ImageFormat,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const actual = sniffImageFormat(buf);
  if (actual !== expected) {
    throw new VeilError(
      'CORRUPT_MEDIA',
      `File content is ${actual ? actual.toUpperCase() : 'not an image'}, but its name says ${expected.toUpperCase()}`,
    );
  }
  if (actual !== 'bmp') return decodeWithSharp(buf, actual, maxPixels);
  const bmp = decodeBmp(buf, maxPixels);
  const { rgb, alpha } = splitAlpha(bmp.data, bmp.width * bmp.height, bmp.channels);
  const header = readBmpHeader(buf);
  return {
    format: 'bmp',
    frame: { data: rgb, width: bmp.width, height: bmp.height },
    alpha,
    grey: false,
    bmp: { bitsPerPixel: header.bitsPerPixel, xPpm: header.xPpm, yPpm: header.yPpm },
  };
}

function joinChannels(img: DecodedImage): { data: Uint8Array; channels: 1 | 2 | 3 | 4 } {
  const { frame, alpha } = img;
  const pixels = frame.width * frame.height;
  const channels = ((img.grey ? 1 : 3) + (alpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  if (channels === 3) return { data: frame.data, channels };
  const out = new Uint8Array(pixels * channels);
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    if (img.grey) out[o] = frame.data[i * 3];
    else out.set(frame.data.subarray(i * 3, i * 3 + 3), o);
    if (alpha) out[o + channels - 1] = alpha[i];
  }
  return { data: out, channels };
}

/** Encodes `img` (its frame possibly changed) back into its own format and metadata. */
export async function encodeImage(img: DecodedImage): Promise<Buffer> {
  const { data, channels } = joinChannels(img);
  const { width, height } = img.frame;
  if (img.format === 'bmp') {
    // BMP is never grey here: the codec reads palettes and masks into RGB(A).
    return encodeBmp({ width, height, channels: channels === 4 ? 4 : 3, data, ...img.bmp });
  }
  const raw = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels },
  });
  if (img.grey) raw.toColourspace('b-w');
  const meta = { icc: img.icc, exif: img.exif };
  if (img.format === 'png') return splicePng(await raw.png().toBuffer(), meta);
  const j = img.jpeg ?? { quality: 90, chroma444: false, progressive: false };
  const jpeg = await raw
    .jpeg({
      quality: j.quality,
      chromaSubsampling: j.chroma444 ? '4:4:4' : '4:2:0',
      progressive: j.progressive,
    })
    .toBuffer();
  return spliceJpeg(jpeg, meta);
}
