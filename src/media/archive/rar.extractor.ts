/**
 * Reads .rar archives (RAR 4 and 5) with node-unrar-js, the official unrar library compiled to
 * WASM (no native build, no download). unrar writes through the extractor's `write` hook, which
 * we wrap to charge every byte to the budget and stop as soon as a limit is passed.
 * unrar is synchronous (1 s per 200 MB here): it runs in a worker thread to keep the event loop free.
 */
import { lstatSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import unrar, { type FileHeader } from 'node-unrar-js';
import { VeilError, isVeilError } from '../../errors.ts';
import { ExtractionBudget, rejected } from './entry-policy.ts';
import { ENCRYPTED_MESSAGE, planExtraction, results, type ListedEntry } from './plan.ts';
import type { ArchiveEntryResult } from './index.ts';

/** The WASM module is a process-wide singleton holding one "current" extractor: one at a time. */
let queue: Promise<unknown> = Promise.resolve();
function serially<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work, work);
  queue = result.catch(() => undefined);
  return result;
}

const NOT_REGULAR = 'not a regular file (symbolic links and special files are not allowed)';

type WriteHook = (fd: number, buf: number, size: number) => boolean;

function listedOf(h: FileHeader): ListedEntry {
  return {
    name: h.name,
    directory: h.flags.directory,
    symlink: false, // headers do not tell; links are caught after extraction (not a regular file)
    encrypted: h.flags.encrypted,
    size: h.unpSize,
    packed: h.packSize,
  };
}

function translate(err: unknown): unknown {
  if (isVeilError(err)) return err;
  if (err instanceof unrar.UnrarError) {
    if (err.reason === 'ERAR_MISSING_PASSWORD' || err.reason === 'ERAR_BAD_PASSWORD') {
      return rejected(ENCRYPTED_MESSAGE);
    }
    return new VeilError('CORRUPT_MEDIA', `rar archive is corrupt: ${err.message}`, { cause: err });
  }
  return new VeilError('CORRUPT_MEDIA', `rar archive is unreadable: ${(err as Error).message}`, {
    cause: err,
  });
}

/** Runs in the calling thread; unrar is synchronous, so callers use `extractRar` instead. */
export function extractRarHere(
  archivePath: string,
  destDir: string,
  budget: ExtractionBudget,
): Promise<ArchiveEntryResult[]> {
  return serially(async () => {
    // Members are written under names we chose (the checked root name), never the raw one.
    const targets = new Map<string, string>();
    const extractor = await unrar.createExtractorFromFile({
      filepath: archivePath,
      targetPath: destDir,
      filenameTransform: (name) => targets.get(name) ?? `.veil-discard-${targets.size}`,
    });
    let stopped: VeilError | undefined;
    const hooks = extractor as unknown as { write: WriteHook };
    const write = hooks.write.bind(extractor);
    hooks.write = (fd, buf, size) => {
      try {
        budget.add(size);
      } catch (err) {
        stopped = err as VeilError;
        return false; // unrar aborts the extraction with a write error
      }
      return write(fd, buf, size);
    };
    try {
      const list = extractor.getFileList();
      if (list.arcHeader.flags.headerEncrypted) throw rejected(ENCRYPTED_MESSAGE);
      const headers = [...list.fileHeaders];
      const plan = planExtraction(headers.map(listedOf), destDir, budget);
      for (const p of plan) if (p.dest) targets.set(p.listed.name, path.basename(p.dest));
      const wanted = new Set(targets.keys());
      const extracted = extractor.extract({
        // Called with each header just before its data is unpacked.
        files: (h) => {
          const keep = wanted.delete(h.name); // a duplicate name is extracted once
          if (keep) budget.startEntry(h.packSize);
          return keep;
        },
      });
      for (const file of extracted.files) {
        const item = plan.find((p) => p.dest && p.listed.name === file.fileHeader.name);
        if (!item) continue;
        // unrar makes links itself, outside our write hook: only regular files we wrote count.
        if (lstatSync(item.dest!, { throwIfNoEntry: false })?.isFile())
          item.result!.path = item.dest;
        else item.result = { name: item.result!.name, error: NOT_REGULAR };
      }
      return results(plan);
    } catch (err) {
      throw stopped ?? translate(err);
    }
  });
}

const WORKER_ENTRY = new URL('./rar.worker.js', import.meta.url);

export interface RarJob {
  archivePath: string;
  destDir: string;
  limits: ExtractionBudget['limits'];
  archiveBytes: number;
}

export type RarReply =
  | { ok: true; results: ArchiveEntryResult[] }
  | { ok: false; code?: VeilError['code']; message: string };

/** Extracts in a worker thread; errors come back as the same coded VeilErrors. */
export function extractRar(
  archivePath: string,
  destDir: string,
  budget: ExtractionBudget,
): Promise<ArchiveEntryResult[]> {
  const job: RarJob = {
    archivePath,
    destDir,
    limits: budget.limits,
    archiveBytes: budget.archiveBytes,
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_ENTRY, { workerData: job });
    let settled = false;
    // The worker cannot see our signal: stop it from here.
    const onAbort = () => {
      try {
        budget.checkCancelled();
      } catch (err) {
        settled = true;
        // Reject only once the worker is gone, so the caller's cleanup sees no late writes.
        void worker.terminate().finally(() => reject(err));
      }
    };
    budget.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('exit', () => budget.signal?.removeEventListener('abort', onAbort));
    worker.once('message', (reply: RarReply) => {
      settled = true;
      if (reply.ok) resolve(reply.results);
      else reject(reply.code ? new VeilError(reply.code, reply.message) : new Error(reply.message));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`rar worker exited with code ${code}`));
    });
  });
}
