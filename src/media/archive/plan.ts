/**
 * Turns an archive's listing into a plan (what to extract where, what fails, what is ignored)
 * and streams one member to disk under the byte budget. Shared by the zip, 7z and rar readers.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExtractionBudget, judgeEntry, rejected } from './entry-policy.ts';
import type { ArchiveEntryResult } from './index.ts';

/** One entry as a reader lists it, before anything is unpacked. */
export interface ListedEntry {
  name: string;
  directory: boolean;
  symlink: boolean;
  encrypted: boolean;
  /** Unpacked size claimed by the header (may lie). */
  size: number;
  /** Packed size when the format gives it per entry. */
  packed?: number;
}

export interface PlannedEntry {
  listed: ListedEntry;
  /** The entry's result; `path` is set once the member is on disk. */
  result?: ArchiveEntryResult;
  /** Where to write it, for entries to extract. */
  dest?: string;
}

export const ENCRYPTED_MESSAGE =
  'archive is encrypted (password-protected); upload it without a password';

/**
 * Checks the whole listing before any byte is unpacked: entry count, encryption, unsafe paths,
 * declared sizes; then gives each entry its verdict. Results keep the archive's order.
 */
export function planExtraction(
  entries: ListedEntry[],
  destDir: string,
  budget: ExtractionBudget,
): PlannedEntry[] {
  budget.checkEntryCount(entries.length);
  if (entries.some((e) => e.encrypted)) throw rejected(ENCRYPTED_MESSAGE);
  budget.checkDeclared(entries.reduce((sum, e) => sum + (e.directory ? 0 : e.size), 0));
  const seen = new Set<string>();
  return entries.map((listed) => {
    const verdict = judgeEntry(listed.name, listed);
    if (verdict.action === 'skip') return { listed };
    if (verdict.action === 'fail')
      return { listed, result: { name: verdict.name, error: verdict.error } };
    if (seen.has(verdict.name)) {
      return {
        listed,
        result: { name: verdict.name, error: 'duplicate file name in the archive' },
      };
    }
    seen.add(verdict.name);
    return {
      listed,
      result: { name: verdict.name, kind: verdict.kind },
      dest: path.join(destDir, verdict.name),
    };
  });
}

/** A pass-through stream that charges every byte to the budget. */
export function meter(budget: ExtractionBudget): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        budget.add(chunk.length);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** Streams a member to `dest` (which must not exist yet), charging its bytes to the budget. */
export async function writeMember(
  source: Readable,
  dest: string,
  budget: ExtractionBudget,
): Promise<void> {
  await pipeline(source, meter(budget), createWriteStream(dest, { flags: 'wx' }));
}

/** The results of a plan, in archive order, for the entries that have one. */
export function results(plan: PlannedEntry[]): ArchiveEntryResult[] {
  return plan.flatMap((p) => (p.result ? [p.result] : []));
}
