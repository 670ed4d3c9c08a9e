/** Per-run scratch folders under `<dataDir>/tmp`, always removed after the run. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

export async function withScratch<T>(
  dataDir: string,
  label: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const root = path.join(dataDir, 'tmp');
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(path.join(root, `${label}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
