/**
 * Upload to a blob SAS URL with plain fetch, as Azure's REST API defines it: Put Block per
 * chunk (block ids are the base64 of a 4-byte big-endian index, the same as Syntonym's own
 * client) and one Put Block List; each request is retried on its own with backoff, so a
 * dropped connection costs one block, not the file.
 */
import { TransientError, isTransientStatus, withRetries, type RetryOptions } from './retry.ts';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface BlockUploadOptions extends RetryOptions {
  /** Bytes per block (default 4 MiB). */
  blockSize?: number;
  /** Blocks in flight at once (default 4). */
  concurrency?: number;
  onProgress?: (p: UploadProgress) => void;
  fetch?: typeof fetch;
}

export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

/** Same-length ids are required by Azure: 4 bytes, big-endian, base64. */
export function blockId(index: number): string {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, index);
  return btoa(String.fromCharCode(...bytes));
}

/** Adds query parameters to a SAS URL, keeping its signature intact. */
export function withQuery(sasUrl: string, params: Record<string, string>): string {
  const url = new URL(sasUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export function blockListXml(ids: string[]): string {
  const items = ids.map((id) => `<Latest>${id}</Latest>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><BlockList>${items}</BlockList>`;
}

async function put(
  doFetch: typeof fetch,
  url: string,
  body: BodyInit,
  headers: Record<string, string>,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const res = await doFetch(url, { method: 'PUT', body, headers, signal });
  if (res.ok) return;
  const text = await res.text().catch(() => '');
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? res.statusText;
  const message = `${what} failed: HTTP ${res.status} ${code}`;
  if (isTransientStatus(res.status)) {
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new TransientError(message, retryAfter > 0 ? retryAfter * 1000 : undefined);
  }
  throw new Error(message);
}

/** Uploads `data` to the blob at `sasUrl` in blocks; resolves once the block list is committed. */
export async function uploadBlocks(
  sasUrl: string,
  data: Blob,
  opts: BlockUploadOptions = {},
): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
  const count = Math.max(1, Math.ceil(data.size / blockSize));
  const ids = Array.from({ length: count }, (_, i) => blockId(i));
  const sent = new Array<number>(count).fill(0);
  const report = () =>
    opts.onProgress?.({ loaded: sent.reduce((a, b) => a + b, 0), total: data.size });

  let next = 0;
  const workers = Array.from({ length: Math.min(opts.concurrency ?? 4, count) }, async () => {
    while (next < count) {
      const i = next++;
      const chunk = data.slice(i * blockSize, Math.min(data.size, (i + 1) * blockSize));
      await withRetries(async () => {
        // Read per attempt: a Blob body can be sent again, a consumed stream could not.
        const body = new Uint8Array(await chunk.arrayBuffer());
        const url = withQuery(sasUrl, { comp: 'block', blockid: ids[i] });
        await put(doFetch, url, body, {}, `Put Block ${i}`, opts.signal);
      }, opts);
      sent[i] = chunk.size;
      report();
    }
  });
  await Promise.all(workers);
  await withRetries(
    () =>
      put(
        doFetch,
        withQuery(sasUrl, { comp: 'blocklist' }),
        blockListXml(ids),
        { 'content-type': 'application/xml' },
        'Put Block List',
        opts.signal,
      ),
    opts,
  );
  report();
}

/** One Put Blob (for small files or a direct_upload redirect target). */
export async function uploadSingle(
  sasUrl: string,
  data: Blob,
  opts: BlockUploadOptions = {},
): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  await withRetries(async () => {
    const body = new Uint8Array(await data.arrayBuffer());
    await put(doFetch, sasUrl, body, { 'x-ms-blob-type': 'BlockBlob' }, 'Put Blob', opts.signal);
  }, opts);
  opts.onProgress?.({ loaded: data.size, total: data.size });
}
