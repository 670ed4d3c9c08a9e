/**
 * Inspects an upload to cost its job: identifies it by content, then measures what it holds
 * (image dimensions, video seconds, archive members). Reads headers only; nothing is decoded
 * beyond what the probe needs.
 */
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { VeilError, isVeilError } from '../errors.ts';
import { execChild } from './child.process.ts';
import { extractArchive, type ArchiveLimits } from './archive/index.ts';
import { ffmpegPaths, probeVideo } from './ffmpeg.runtime.ts';
import { identifyFile, kindOfExtension, type ContentFormat } from './identify.ts';

export interface InspectedFile {
  name: string;
  /** For a member that failed before it was identified: guessed from its extension. */
  kind: 'image' | 'video';
  durationSeconds?: number;
  /** As displayed: EXIF orientation and video rotation applied. */
  width?: number;
  height?: number;
  /** Why this file cannot be processed (archive members only; top-level problems throw). */
  error?: string;
}

export interface Inspection {
  kind: 'image' | 'video' | 'archive';
  files: InspectedFile[];
}

export interface InspectOptions {
  signal?: AbortSignal;
  /** Where archives are unpacked for inspection (a temp folder inside it, removed after). */
  workDir?: string;
  archiveLimits?: Partial<ArchiveLimits>;
  /** Largest image, in pixels (default 268,402,689: sharp's own input limit, 16383 x 16383). */
  maxImagePixels?: number;
  /** Largest video frame, in pixels (default 8192 x 8192). */
  maxVideoPixels?: number;
}

export const defaultMaxImagePixels = 268_402_689;
export const defaultMaxVideoPixels = 8192 * 8192;

/** Refuses media whose pixels no pipeline should allocate, before a job is approved. */
export function checkPixels(file: InspectedFile, opts: InspectOptions): InspectedFile {
  const limit =
    file.kind === 'image'
      ? (opts.maxImagePixels ?? defaultMaxImagePixels)
      : (opts.maxVideoPixels ?? defaultMaxVideoPixels);
  const pixels = (file.width ?? 0) * (file.height ?? 0);
  if (pixels <= limit) return file;
  const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`;
  throw new VeilError(
    'MEDIA_TOO_LARGE',
    `${file.kind} is ${file.width}x${file.height} (${mp(pixels)}); the limit is ${mp(limit)}`,
  );
}

/**
 * @throws VeilError UNSUPPORTED_FORMAT (extension), CORRUPT_MEDIA (content not what the
 *   extension says, unreadable image or video), MEDIA_TOO_LARGE (over the pixel limits),
 *   ARCHIVE_REJECTED (unsafe or empty archive), CANCELLED (signal). Archive members fail alone.
 */
export async function inspectUpload(
  filePath: string,
  fileName: string,
  opts: InspectOptions = {},
): Promise<Inspection> {
  try {
    return await inspect(filePath, fileName, opts);
  } catch (err) {
    if (!opts.signal?.aborted || isVeilError(err, 'CANCELLED')) throw err;
    throw new VeilError('CANCELLED', 'inspection was cancelled', { cause: err });
  }
}

async function inspect(
  filePath: string,
  fileName: string,
  opts: InspectOptions,
): Promise<Inspection> {
  const { kind, format } = await identifyFile(filePath, fileName);
  if (kind !== 'archive') {
    const file = await measure(filePath, fileName, kind, format, opts.signal);
    return { kind, files: [checkPixels(file, opts)] };
  }
  const base = opts.workDir ?? tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, 'veil-inspect-'));
  try {
    const entries = await extractArchive(filePath, dir, opts.archiveLimits, {
      signal: opts.signal,
    });
    if (entries.length === 0) {
      throw new VeilError('ARCHIVE_REJECTED', 'archive holds no files to process');
    }
    const files: InspectedFile[] = [];
    for (const entry of entries) {
      opts.signal?.throwIfAborted();
      if (!entry.path || !entry.kind) {
        files.push({ name: entry.name, kind: guessKind(entry.name), error: entry.error });
        continue;
      }
      try {
        const member = await identifyFile(entry.path, entry.name);
        const file = await measure(entry.path, entry.name, entry.kind, member.format, opts.signal);
        files.push(checkPixels(file, opts));
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        files.push({ name: entry.name, kind: entry.kind, error: (err as Error).message });
      } finally {
        await rm(entry.path, { force: true }); // keep the work dir small while we go
      }
    }
    return { kind: 'archive', files };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function guessKind(name: string): 'image' | 'video' {
  return kindOfExtension(path.extname(name)) === 'video' ? 'video' : 'image';
}

async function measure(
  file: string,
  name: string,
  kind: 'image' | 'video',
  format: ContentFormat,
  signal?: AbortSignal,
): Promise<InspectedFile> {
  if (kind === 'image') {
    const { width, height } = format === 'bmp' ? await bmpSize(file) : await imageSize(file);
    return { name, kind, width, height };
  }
  const probe = await probeVideo(file, signal).catch(async (err: Error) => {
    if (signal?.aborted) throw err;
    // The shipped ffprobe build crashes (SIGSEGV) on MPEG-TS; ffmpeg itself reads them.
    return probeWithFfmpeg(file, signal);
  });
  const turned = probe.rotation === 90 || probe.rotation === 270;
  return {
    name,
    kind,
    durationSeconds: probe.durationSeconds,
    width: turned ? probe.height : probe.width,
    height: turned ? probe.width : probe.height,
  };
}

interface BasicProbe {
  durationSeconds: number;
  width: number;
  height: number;
  rotation: number;
}

/** Reads `ffmpeg -i`'s stream summary; the fallback when ffprobe fails. */
async function probeWithFfmpeg(file: string, signal?: AbortSignal): Promise<BasicProbe> {
  // With no output file ffmpeg prints the summary on stderr and exits 1: that is expected.
  const stderr = await execChild(ffmpegPaths().ffmpeg, ['-hide_banner', '-i', file], {
    signal,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => r.stderr,
    (err: { stderr?: string }) => {
      if (signal?.aborted) throw err;
      return String(err.stderr ?? '');
    },
  );
  const parsed = parseFfmpegSummary(stderr);
  if (!parsed) {
    const reason = /Stream #.*: Video: /.test(stderr)
      ? 'the video stream has no readable frames'
      : lastError(stderr);
    throw new VeilError('CORRUPT_MEDIA', `video is corrupt or unreadable (${reason})`);
  }
  return parsed;
}

/** Parses the input summary `ffmpeg -i` prints; undefined when it shows no video stream. */
export function parseFfmpegSummary(text: string): BasicProbe | undefined {
  const video = text.match(/Stream #\d+:\d+.*?: Video: .*?, (\d+)x(\d+)/);
  if (!video) return undefined;
  const d = text.match(/Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/);
  const durationSeconds = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : 0;
  const matrix = text.match(/displaymatrix: rotation of (-?[\d.]+) degrees/);
  const raw = matrix ? Number(matrix[1]) : 0;
  return {
    durationSeconds,
    width: Number(video[1]),
    height: Number(video[2]),
    rotation: (((Math.round(raw / 90) * 90) % 360) + 360) % 360,
  };
}

function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('At least one output file'));
  const line = lines[lines.length - 1] ?? 'no video stream';
  return line.replace(/^.*?: /, '').slice(0, 200);
}

function firstLine(err: Error): string {
  const stderr = (err as { stderr?: string }).stderr?.trim();
  const text = stderr || err.message;
  return text
    .split('\n')
    .pop()!
    .replace(/^.*?: /, '')
    .slice(0, 200);
}

async function imageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const meta = await sharp(file).metadata();
    return meta.autoOrient;
  } catch (err) {
    throw new VeilError(
      'CORRUPT_MEDIA',
      `image is corrupt or unreadable (${firstLine(err as Error)})`,
      {
        cause: err,
      },
    );
  }
}

/** sharp cannot read BMP: dimensions straight from the BITMAPINFOHEADER (or OS/2 core header). */
export async function bmpSize(file: string): Promise<{ width: number; height: number }> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(30);
    const { bytesRead } = await fh.read(head, 0, 30, 0);
    const { size } = await fh.stat();
    return parseBmpSize(head.subarray(0, bytesRead), size);
  } finally {
    await fh.close();
  }
}

export function parseBmpSize(head: Buffer, fileSize: number): { width: number; height: number } {
  const bad = (why: string) => new VeilError('CORRUPT_MEDIA', `BMP image is corrupt (${why})`);
  if (head.length < 26) throw bad('header is truncated');
  const dataOffset = head.readUInt32LE(10);
  const dib = head.readUInt32LE(14);
  const core = dib === 12;
  if (!core && head.length < 30) throw bad('header is truncated');
  const width = core ? head.readUInt16LE(18) : head.readInt32LE(18);
  const height = Math.abs(core ? head.readUInt16LE(20) : head.readInt32LE(22));
  const bpp = head.readUInt16LE(core ? 24 : 28);
  if (width <= 0 || height <= 0) throw bad(`dimensions ${width}x${height}`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw bad(`${bpp} bits per pixel`);
  if (dataOffset < 14 + dib || dataOffset > fileSize) throw bad('pixel data offset out of range');
  return { width, height };
}
