/**
 * Pure rules shared by every archive reader: which entries are processed, which fail on their
 * own, which are ignored, and which make the whole archive unsafe; plus the byte budget that
 * stops zip bombs while data streams (headers can lie, so counting real bytes is what counts).
 */
import path from 'node:path';
import { VeilError } from '../../errors.ts';
import { kindOfExtension } from '../identify.ts';

/** Safety limits of one extraction. Defaults in `defaultArchiveLimits`. */
export interface ArchiveLimits {
  /** Entries of any kind (files, folders, junk) an archive may list (default 10,000). */
  maxEntries: number;
  /** Bytes all extracted data may add up to (default 16 GiB). */
  maxTotalBytes: number;
  /** Highest unpacked/packed ratio, per entry where the packed size is known, else per archive (default 200). */
  maxRatio: number;
  /** The ratio is only judged past this many unpacked bytes: tiny files compress well (default 1 MiB). */
  ratioFloorBytes: number;
}

export const defaultArchiveLimits: ArchiveLimits = {
  maxEntries: 10_000,
  maxTotalBytes: 16 * 1024 ** 3,
  maxRatio: 200,
  ratioFloorBytes: 1024 ** 2,
};

export type EntryVerdict =
  | { action: 'skip' }
  | { action: 'extract'; name: string; kind: 'image' | 'video' }
  | { action: 'fail'; name: string; error: string };

/** Files systems and archivers leave these behind; users never meant them as input. */
const JUNK_FOLDERS = new Set(['__MACOSX']);
const JUNK_FILES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

export function rejected(reason: string): VeilError {
  return new VeilError('ARCHIVE_REJECTED', reason);
}

/**
 * Decides what to do with one entry.
 * @throws VeilError ARCHIVE_REJECTED for a path that tries to leave the extraction folder.
 */
export function judgeEntry(
  rawName: string,
  opts: { directory?: boolean; symlink?: boolean } = {},
): EntryVerdict {
  const unified = rawName.replace(/\\/g, '/');
  const segments = unified.split('/');
  if (
    unified.startsWith('/') ||
    /^[a-zA-Z]:/.test(unified) ||
    segments.includes('..') ||
    unified.includes('\0')
  ) {
    throw rejected(`archive rejected: entry "${rawName}" has an unsafe path (outside the archive)`);
  }
  const parts = segments.filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || opts.directory || unified.endsWith('/')) return { action: 'skip' };
  const base = parts[parts.length - 1];
  if (parts.some((p) => JUNK_FOLDERS.has(p)) || JUNK_FILES.has(base.toLowerCase())) {
    return { action: 'skip' };
  }
  if (base.startsWith('._')) return { action: 'skip' }; // macOS resource forks
  const name = parts.join('/');
  if (opts.symlink) return { action: 'fail', name, error: 'symbolic links are not allowed' };
  if (parts.length > 1) {
    return {
      action: 'fail',
      name,
      error: 'file is in a sub-folder; only files at the root of the archive are processed',
    };
  }
  const ext = path.extname(base).toLowerCase();
  const kind = kindOfExtension(ext);
  if (kind === 'archive') {
    return { action: 'fail', name, error: 'nested archives are not supported' };
  }
  if (!kind) {
    const what = ext ? `extension ${ext}` : 'no extension';
    return { action: 'fail', name, error: `unsupported file type (${what})` };
  }
  return { action: 'extract', name, kind };
}

/** Counts entries and real unpacked bytes against the limits; throws as soon as one is passed. */
export class ExtractionBudget {
  private total = 0;
  private entryBytes = 0;
  private entryPacked: number | undefined;

  constructor(
    readonly limits: ArchiveLimits,
    /** Size of the archive file: the packed size when entries' own are unknown. */
    readonly archiveBytes: number,
    /** Aborting stops the extraction at its next chunk of data. */
    readonly signal?: AbortSignal,
  ) {}

  checkCancelled(): void {
    if (this.signal?.aborted) {
      throw new VeilError('CANCELLED', 'archive extraction was cancelled', {
        cause: this.signal.reason,
      });
    }
  }

  get totalBytes(): number {
    return this.total;
  }

  /** Checks an archive's entry count (listed or announced by its directory). */
  checkEntryCount(n: number): void {
    if (n > this.limits.maxEntries) {
      throw rejected(`archive rejected: more than ${this.limits.maxEntries} entries`);
    }
  }

  /** Checks sizes declared by headers before anything is unpacked. */
  checkDeclared(totalUnpacked: number): void {
    if (totalUnpacked > this.limits.maxTotalBytes) throw this.tooLarge();
  }

  /** Starts a new entry; `packed` is its compressed size when the format tells it. */
  startEntry(packed?: number): void {
    this.entryBytes = 0;
    this.entryPacked = packed;
  }

  /** Adds bytes really produced by the decompressor. */
  add(bytes: number): void {
    this.checkCancelled();
    this.total += bytes;
    this.entryBytes += bytes;
    const { maxRatio, ratioFloorBytes, maxTotalBytes } = this.limits;
    if (this.total > maxTotalBytes) throw this.tooLarge();
    const [unpacked, packed] =
      this.entryPacked === undefined
        ? [this.total, this.archiveBytes]
        : [this.entryBytes, this.entryPacked];
    if (unpacked > ratioFloorBytes && unpacked > maxRatio * Math.max(packed, 1)) {
      throw rejected(`archive rejected: data compressed more than ${maxRatio}:1 (a zip bomb?)`);
    }
  }

  private tooLarge(): VeilError {
    return rejected(
      `archive rejected: unpacks to more than ${humanBytes(this.limits.maxTotalBytes)}`,
    );
  }
}

export function humanBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}
