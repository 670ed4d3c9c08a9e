/**
 * Reads .7z archives with the shipped 7za: the technical listing is judged first, then one
 * `7za e -so` pass streams every file's data in archive order, which we cut at the listed sizes.
 * One pass keeps solid archives linear; every byte (kept or discarded) is charged to the budget,
 * and data beyond the listed sizes condemns the archive.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { VeilError } from '../../errors.ts';
import { ExtractionBudget, rejected } from './entry-policy.ts';
import {
  ENCRYPTED_MESSAGE,
  planExtraction,
  results,
  type ListedEntry,
  type PlannedEntry,
} from './plan.ts';
import { sevenZipExtractAll, sevenZipList } from './seven-zip.runtime.ts';
import type { ArchiveEntryResult } from './index.ts';

/** Parses `7za l -slt` output into entries, in archive order. */
export function parseSevenZipListing(text: string): ListedEntry[] {
  const start = text.indexOf('\n----------\n');
  if (start < 0) return [];
  const blocks = text.slice(start + 12).split(/\n\s*\n/);
  const entries: ListedEntry[] = [];
  for (const block of blocks) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const at = line.indexOf(' = ');
      if (at > 0) fields.set(line.slice(0, at), line.slice(at + 3));
    }
    if (!fields.has('Path')) continue;
    const attributes = fields.get('Attributes') ?? '';
    entries.push({
      name: fields.get('Path')!,
      directory: fields.get('Folder') === '+' || /^\S*D/.test(attributes),
      symlink: /(^|\s)l[rwxsStT-]{9}/.test(attributes),
      encrypted: fields.get('Encrypted') === '+',
      size: Number(fields.get('Size') || 0),
    });
  }
  return entries;
}

/** Maps 7za's error text to a coded error, keeping 7za's reason but not our file paths. */
export function sevenZipError(message: string, archivePath: string): VeilError {
  if (/encrypted|Wrong password/i.test(message)) return rejected(ENCRYPTED_MESSAGE);
  const lines = message
    .split(archivePath)
    .join('')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(ERRORS:|Errors: \d+|ERROR: :?)$/.test(l) && !/^ERROR:\s*:\s*$/.test(l));
  const open = lines.find((l) => l.startsWith('Open ERROR:'))?.replace('Open ERROR: ', '');
  const last = lines[lines.length - 1]?.replace(/^ERROR: /, '');
  const reason = [...new Set([open, last])].filter(Boolean).join(': ') || 'unknown error';
  return new VeilError('CORRUPT_MEDIA', `7z archive is corrupt or unreadable (${reason})`);
}

export async function extractSevenZip(
  archivePath: string,
  destDir: string,
  budget: ExtractionBudget,
): Promise<ArchiveEntryResult[]> {
  const listing = await sevenZipList(archivePath, budget.signal).catch((err: Error) => {
    budget.checkCancelled();
    throw sevenZipError(err.message, archivePath);
  });
  budget.checkCancelled();
  const plan = planExtraction(parseSevenZipListing(listing), destDir, budget);
  // `e -so` writes files only, in listing order; folders produce no bytes.
  const files = plan.filter((p) => !p.listed.directory);
  if (files.length === 0) return results(plan);
  await splitStream(archivePath, files, budget);
  return results(plan);
}

async function splitStream(
  archivePath: string,
  files: PlannedEntry[],
  budget: ExtractionBudget,
): Promise<void> {
  const child = await sevenZipExtractAll(archivePath);
  let index = -1;
  let remaining = 0;
  let out: FileHandle | undefined;

  const finish = async () => {
    if (out) {
      await out.close();
      out = undefined;
      files[index].result!.path = files[index].dest;
    }
  };
  const next = async () => {
    await finish();
    index++;
    if (index >= files.length) return;
    remaining = files[index].listed.size;
    budget.startEntry();
    if (files[index].dest) out = await open(files[index].dest!, 'wx');
    if (remaining === 0) await next();
  };

  try {
    await next();
    for await (const chunk of child.data as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        if (index >= files.length) {
          throw rejected('archive rejected: it unpacks to more bytes than its headers say');
        }
        const take = Math.min(remaining, chunk.length - offset);
        budget.add(take);
        if (out) await out.write(chunk.subarray(offset, offset + take));
        offset += take;
        remaining -= take;
        if (remaining === 0) await next();
      }
    }
    const { code, stderr } = await child.done;
    if (code !== 0) throw sevenZipError(stderr, archivePath);
    if (index < files.length) {
      throw new VeilError('CORRUPT_MEDIA', '7z archive is truncated: data ended early');
    }
  } catch (err) {
    child.kill();
    await out?.close();
    // Nothing half-written stays behind; the caller removes completed members.
    if (index < files.length && files[index].dest) await rm(files[index].dest!, { force: true });
    throw err;
  }
}
