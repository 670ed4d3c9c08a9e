/**
 * Runs the static 7za shipped inside the `7zip-bin` npm package (7-Zip 16.02, no download at
 * install). npm unpacks it without its executable bit, so it is made executable on first use,
 * or copied to the temp dir when node_modules is read-only. Started as ffmpeg is
 * (`../child.process.ts`: posix_spawn where the native module is built, no fork of a worker
 * holding the detectors).
 */
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { execChild, startChild } from '../child.process.ts';

const require = createRequire(import.meta.url);

let resolved: Promise<string> | undefined;

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function locate(): Promise<string> {
  const shipped = (require('7zip-bin') as { path7za: string }).path7za;
  if (await executable(shipped)) return shipped;
  try {
    await chmod(shipped, 0o755);
    if (await executable(shipped)) return shipped;
  } catch {
    // read-only install: fall through to a private copy
  }
  const dir = path.join(tmpdir(), `veil-7za-${process.getuid?.() ?? 0}`);
  const copy = path.join(dir, '7za');
  if (await executable(copy)) return copy;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Copy then rename: another process may be running the copy already (no ETXTBSY).
  const partial = `${copy}.${process.pid}`;
  await copyFile(shipped, partial);
  await chmod(partial, 0o755);
  await rename(partial, copy);
  return copy;
}

/** Path of a runnable 7za. */
export function sevenZipPath(): Promise<string> {
  resolved ??= locate();
  return resolved;
}

// A wrong dummy password makes 7za fail fast on encrypted headers instead of prompting.
const COMMON = ['-bd', '-t7z', '-p-veil-no-password-'];

/** `7za l -slt`: the technical listing; rejects with 7za's own error text. */
export async function sevenZipList(archivePath: string, signal?: AbortSignal): Promise<string> {
  const bin = await sevenZipPath();
  try {
    const { stdout } = await execChild(bin, ['l', '-slt', ...COMMON, '--', archivePath], {
      signal,
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(e.stderr?.trim() || e.message, { cause: err });
  }
}

export interface SevenZipStream {
  /** Every file's data, in archive order, concatenated. */
  data: Readable;
  /** Exit code and stderr once 7za has ended. */
  done: Promise<{ code: number; stderr: string }>;
  kill(): void;
}

/** `7za e -so`: streams every file's data with backpressure. */
export async function sevenZipExtractAll(archivePath: string): Promise<SevenZipStream> {
  const bin = await sevenZipPath();
  const child = startChild(bin, ['e', '-so', ...COMMON, '--', archivePath], { stdout: 'pipe' });
  // Node discards unread stdout when a child exits (flushStdio): attach a consumer at once.
  const data = child.stdout!.pipe(new PassThrough());
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = child.exit.then(
    ({ code }) => ({ code: code ?? -1, stderr }),
    (err: Error) => ({ code: -1, stderr: err.message }),
  );
  return { data, done, kill: () => child.kill() };
}
