/**
 * Reads .zip archives with yauzl: the central directory is read first and judged as a whole,
 * then each root-level member is streamed to disk. yauzl also checks that a member inflates to
 * exactly the size its header claims, which stops lying headers early.
 */
import { rm } from 'node:fs/promises';
import yauzl from 'yauzl';
import { VeilError, isVeilError } from '../../errors.ts';
import { ExtractionBudget, rejected } from './entry-policy.ts';
import { planExtraction, results, writeMember, type ListedEntry } from './plan.ts';
import type { ArchiveEntryResult } from './index.ts';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** yauzl's own refusals of unsafe names; they make the whole archive unsafe. */
const UNSAFE_NAME = /^(absolute path|invalid relative path|invalid characters in fileName)/;

function listedOf(entry: yauzl.Entry): ListedEntry {
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  return {
    name: entry.fileName,
    directory: entry.fileName.endsWith('/') || mode === S_IFDIR,
    symlink: mode === S_IFLNK,
    encrypted: entry.isEncrypted(),
    size: entry.uncompressedSize,
    packed: entry.compressedSize,
  };
}

function translate(err: unknown): unknown {
  if (isVeilError(err)) return err;
  const message = (err as Error).message ?? String(err);
  if (UNSAFE_NAME.test(message)) {
    return rejected(`archive rejected: an entry has an unsafe path (${message})`);
  }
  if (/too many bytes in the stream/.test(message)) {
    return rejected('archive rejected: an entry unpacks to more bytes than its header says');
  }
  return new VeilError('CORRUPT_MEDIA', `zip archive is corrupt: ${message}`, { cause: err });
}

async function listAll(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  for await (const entry of zip.eachEntry()) entries.push(entry);
  return entries;
}

export async function extractZip(
  archivePath: string,
  destDir: string,
  budget: ExtractionBudget,
): Promise<ArchiveEntryResult[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archivePath, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
    });
  } catch (err) {
    throw translate(err);
  }
  try {
    // The end-of-directory record announces the count: refuse before listing millions.
    budget.checkEntryCount(zip.entryCount);
    const entries = await listAll(zip).catch((err: unknown) => {
      throw translate(err);
    });
    const plan = planExtraction(entries.map(listedOf), destDir, budget);
    for (const [i, item] of plan.entries()) {
      if (!item.dest || !item.result) continue;
      budget.checkCancelled();
      budget.startEntry(entries[i].compressedSize);
      try {
        await writeMember(await zip.openReadStreamPromise(entries[i]), item.dest, budget);
        item.result.path = item.dest;
      } catch (err) {
        await rm(item.dest, { force: true });
        const e = translate(err);
        // Limits, unsafe data and cancelling end the archive; a damaged member fails alone.
        if (isVeilError(e) && e.code !== 'CORRUPT_MEDIA') throw e;
        item.result.error = `could not be extracted: ${(e as Error).message}`;
        delete item.result.kind;
      }
    }
    return results(plan);
  } finally {
    zip.close();
  }
}
