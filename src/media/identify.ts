/**
 * Identifies an uploaded file by its content (magic bytes) and checks that the content agrees
 * with the file name's extension. Never trusts the name alone: a renamed file must not reach a
 * decoder that will misread it.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { VeilError } from '../errors.ts';
import { ARCHIVE_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, type MediaKind } from './index.ts';

/** Container formats recognised from content. */
export type ContentFormat =
  | 'jpeg'
  | 'png'
  | 'bmp'
  | 'isobmff'
  | 'matroska'
  | 'webm'
  | 'mpegts'
  | 'm2ts'
  | 'avi'
  | 'zip'
  | 'rar'
  | '7z';

export interface Identified {
  kind: MediaKind;
  /** The name's extension, lower-cased with its dot (`.jpeg`, `.mp4`). */
  ext: string;
  /** What the content is. */
  format: ContentFormat;
}

/** Bytes read from the start of a file; enough for several TS packets and the EBML header. */
export const HEAD_BYTES = 8192;

/** Which content formats each extension may hold. */
const ACCEPTED: Record<string, readonly ContentFormat[]> = {
  '.jpg': ['jpeg'],
  '.jpeg': ['jpeg'],
  '.png': ['png'],
  '.bmp': ['bmp'],
  '.mp4': ['isobmff'],
  '.mov': ['isobmff'],
  // Matroska readers accept WebM (a Matroska subset); a .webm must really be WebM.
  '.mkv': ['matroska', 'webm'],
  '.webm': ['webm'],
  '.ts': ['mpegts', 'm2ts'],
  '.mts': ['m2ts', 'mpegts'],
  '.avi': ['avi'],
  '.zip': ['zip'],
  '.rar': ['rar'],
  '.7z': ['7z'],
};

const DESCRIPTION: Record<ContentFormat, string> = {
  jpeg: 'a JPEG image',
  png: 'a PNG image',
  bmp: 'a BMP image',
  isobmff: 'an MP4/MOV video',
  matroska: 'a Matroska (MKV) video',
  webm: 'a WebM video',
  mpegts: 'an MPEG transport stream',
  m2ts: 'an M2TS/MTS transport stream',
  avi: 'an AVI video',
  zip: 'a ZIP archive',
  rar: 'a RAR archive',
  '7z': 'a 7z archive',
};

const SUPPORTED = [...IMAGE_EXTENSIONS, ...VIDEO_EXTENSIONS, ...ARCHIVE_EXTENSIONS];

export function kindOfExtension(ext: string): MediaKind | undefined {
  const e = ext.toLowerCase();
  if ((IMAGE_EXTENSIONS as readonly string[]).includes(e)) return 'image';
  if ((VIDEO_EXTENSIONS as readonly string[]).includes(e)) return 'video';
  if ((ARCHIVE_EXTENSIONS as readonly string[]).includes(e)) return 'archive';
  return undefined;
}

function ascii(head: Uint8Array, at: number, len: number): string {
  return String.fromCharCode(...head.subarray(at, at + len));
}

function startsWith(head: Uint8Array, bytes: number[], at = 0): boolean {
  return bytes.every((b, i) => head[at + i] === b);
}

/** True when `count` transport packets of `size` bytes each carry the 0x47 sync byte. */
function tsPackets(head: Uint8Array, size: number, offset: number): boolean {
  const count = Math.min(5, Math.floor((head.length - offset) / size));
  if (count < 1) return false;
  for (let i = 0; i < count; i++) if (head[offset + i * size] !== 0x47) return false;
  // A single packet is weak evidence; accept it only for files of exactly one packet.
  return count >= 2 || head.length - offset === size;
}

/** Reads the EBML DocType ("webm", "matroska") from the EBML header, if present. */
function ebmlDocType(head: Uint8Array): string | undefined {
  // Scan the first bytes for the DocType element id 0x4282 followed by a 1-byte size vint.
  const end = Math.min(head.length - 3, 64);
  for (let i = 4; i < end; i++) {
    if (head[i] === 0x42 && head[i + 1] === 0x82 && (head[i + 2] & 0x80) !== 0) {
      const len = head[i + 2] & 0x7f;
      return ascii(head, i + 3, len).replace(/\0+$/, '');
    }
  }
  return undefined;
}

/** QuickTime files may start with a top-level atom other than `ftyp`. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** Recognises the content format from the first bytes of a file; undefined when unknown. */
export function detectFormat(head: Uint8Array): ContentFormat | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (isBmp(head)) return 'bmp';
  if (ascii(head, 4, 4) === 'ftyp' || QUICKTIME_ATOMS.has(ascii(head, 4, 4))) return 'isobmff';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    return ebmlDocType(head) === 'webm' ? 'webm' : 'matroska';
  }
  if (ascii(head, 0, 4) === 'RIFF' && ['AVI ', 'AVIX'].includes(ascii(head, 8, 4))) return 'avi';
  if (startsWith(head, [0x50, 0x4b]) && [0x0304, 0x0506, 0x0708].includes(u16be(head, 2))) {
    return 'zip';
  }
  if (startsWith(head, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00])) return 'rar';
  if (startsWith(head, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00])) return 'rar';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (tsPackets(head, 188, 0)) return 'mpegts';
  if (tsPackets(head, 192, 4)) return 'm2ts';
  return undefined;
}

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function isBmp(head: Uint8Array): boolean {
  if (head.length < 18 || head[0] !== 0x42 || head[1] !== 0x4d) return false;
  // 'BM' alone is too common in text; require a known DIB header size.
  const dib = head[14] | (head[15] << 8) | (head[16] << 16) | (head[17] << 24);
  return [12, 40, 52, 56, 64, 108, 124].includes(dib);
}

/**
 * Checks content against the name's extension.
 * @throws VeilError UNSUPPORTED_FORMAT for an extension Veil does not take,
 *   CORRUPT_MEDIA for an empty file or content other than the extension says.
 */
export function identifyBytes(head: Uint8Array, fileName: string): Identified {
  const ext = path.extname(fileName).toLowerCase();
  const kind = kindOfExtension(ext);
  if (!kind) {
    const what = ext ? `extension ${ext}` : 'a file without extension';
    throw new VeilError(
      'UNSUPPORTED_FORMAT',
      `unsupported file type: ${what} (supported: ${SUPPORTED.join(' ')})`,
    );
  }
  if (head.length === 0) throw new VeilError('CORRUPT_MEDIA', `file is empty`);
  const format = detectFormat(head);
  if (!format || !ACCEPTED[ext].includes(format)) {
    const seen = format ? `it looks like ${DESCRIPTION[format]}` : 'its format is not recognised';
    throw new VeilError('CORRUPT_MEDIA', `content is not what the extension ${ext} says (${seen})`);
  }
  return { kind, ext, format };
}

/** Reads the head of a file and identifies it; `fileName` defaults to the path's base name. */
export async function identifyFile(filePath: string, fileName?: string): Promise<Identified> {
  const fh = await open(filePath, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return identifyBytes(buf.subarray(0, bytesRead), fileName ?? path.basename(filePath));
  } finally {
    await fh.close();
  }
}
