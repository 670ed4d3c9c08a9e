/** Writes result files into one .zip (the job's combined download), streaming from disk. */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** Formats that are already compressed: deflating them again costs CPU for nothing. */
const STORED = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.mp4',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.ts',
  '.mts',
]);

/**
 * Zips `files` (each stored at the archive's root under `name`) into `outPath`.
 * @throws Error for a name that is not a plain file name or appears twice.
 */
export async function createZip(
  files: Array<{ name: string; path: string }>,
  outPath: string,
): Promise<void> {
  const zip = new yazl.ZipFile();
  const names = new Set<string>();
  for (const file of files) {
    if (!file.name || file.name !== path.basename(file.name) || /[\\/]|^\.\.?$/.test(file.name)) {
      throw new Error(`createZip: "${file.name}" is not a plain file name`);
    }
    if (names.has(file.name)) throw new Error(`createZip: duplicate name "${file.name}"`);
    names.add(file.name);
    const compress = !STORED.has(path.extname(file.name).toLowerCase());
    zip.addFile(file.path, file.name, { compress });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(outPath));
}
