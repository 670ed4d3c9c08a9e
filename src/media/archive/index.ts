/**
 * Safe extraction of uploaded archives (.zip, .7z, .rar) and zipping of results.
 * Each root-level image/video becomes an entry with a path; sub-folders, nested archives and
 * other types become entries with an `error` (that task fails, the rest go on); folders and OS
 * junk are ignored. Encrypted archives, unsafe paths and passed limits reject the whole archive.
 */
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { VeilError } from '../../errors.ts';
import { detectFormat, identifyFile, HEAD_BYTES } from '../identify.ts';
import { ExtractionBudget, defaultArchiveLimits, type ArchiveLimits } from './entry-policy.ts';
import { extractRar } from './rar.extractor.ts';
import { extractSevenZip } from './seven-zip.extractor.ts';
import { extractZip } from './zip.extractor.ts';

export { createZip } from './zip.writer.ts';
export { defaultArchiveLimits, type ArchiveLimits } from './entry-policy.ts';

export interface ArchiveEntryResult {
  /** The entry's path inside the archive ('/'-separated). */
  name: string;
  /** Where the member was written (inside destDir), for processable entries. */
  path?: string;
  kind?: 'image' | 'video';
  /** Why this entry cannot be processed. */
  error?: string;
}

async function readHead(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Extracts the root-level images and videos of an archive into `destDir` (created if missing)
 * and checks each one's content against its extension.
 * @throws VeilError ARCHIVE_REJECTED (encrypted, unsafe path, limits passed), CORRUPT_MEDIA
 *   (not an archive, unreadable) or CANCELLED (signal); nothing extracted is left behind then.
 */
export async function extractArchive(
  archivePath: string,
  destDir: string,
  limits?: Partial<ArchiveLimits>,
  opts: { signal?: AbortSignal } = {},
): Promise<ArchiveEntryResult[]> {
  const budget = new ExtractionBudget(
    { ...defaultArchiveLimits, ...limits },
    (await stat(archivePath)).size,
    opts.signal,
  );
  budget.checkCancelled();
  const format = detectFormat(await readHead(archivePath));
  const extract =
    format === 'zip'
      ? extractZip
      : format === '7z'
        ? extractSevenZip
        : format === 'rar'
          ? extractRar
          : undefined;
  if (!extract) throw new VeilError('CORRUPT_MEDIA', 'file is not a zip, 7z or rar archive');
  await mkdir(destDir, { recursive: true });
  // Members land in a private staging folder first: a rejection removes it whole.
  const staging = await mkdtemp(path.join(destDir, '.veil-extract-'));
  try {
    const entries = await extract(archivePath, staging, budget);
    for (const entry of entries) {
      if (!entry.path) continue;
      const final = path.join(destDir, path.basename(entry.path));
      await rename(entry.path, final);
      entry.path = final;
    }
    return await Promise.all(entries.map(checkContent));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A member whose content is not what its extension says fails alone. */
async function checkContent(entry: ArchiveEntryResult): Promise<ArchiveEntryResult> {
  if (!entry.path) return entry;
  try {
    await identifyFile(entry.path, entry.name);
    return entry;
  } catch (err) {
    await rm(entry.path, { force: true });
    return { name: entry.name, error: (err as Error).message };
  }
}
