// Block upload from the browser straight to a blob SAS URL (Azure's Put Block / Put Block
// List), with byte-level progress (XMLHttpRequest reports upload progress; fetch does not)
// and per-block retries with backoff, so a dropped connection costs one block.

export const BLOCK_SIZE = 4 * 1024 * 1024;

/** Azure wants ids of one length: base64 of a 4-byte big-endian index. */
export function blockId(index) {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, index);
  return btoa(String.fromCharCode(...bytes));
}

function withQuery(sasUrl, params) {
  const url = new URL(sasUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One PUT; resolves on 2xx, rejects with { transient } telling whether a retry may help. */
function put(url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (ev) => onProgress?.(ev.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1] ?? xhr.statusText;
      const err = new Error(`storage answered HTTP ${xhr.status} ${code}`);
      err.transient = xhr.status === 408 || xhr.status === 429 || xhr.status >= 500;
      reject(err);
    };
    xhr.onerror = () => {
      const err = new Error('the connection to storage failed');
      err.transient = true;
      reject(err);
    };
    xhr.send(body);
  });
}

async function withRetries(fn, attempts) {
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (!err.transient || n >= attempts) throw err;
      await sleep(Math.min(8000, 500 * 2 ** (n - 1)));
    }
  }
}

/**
 * Uploads `file` (a File or Blob) to `sasUrl`; `onProgress(loaded, total)` as bytes go out.
 * `onRetry(block, attempt)` is told about each retry (the page shows it). `done`, a Set of
 * block indexes already in storage, is skipped and filled in: pass the same Set to resume.
 */
export async function uploadBlocks(sasUrl, file, opts = {}) {
  const blockSize = opts.blockSize ?? BLOCK_SIZE;
  const attempts = opts.attempts ?? 6;
  const done = opts.done ?? new Set();
  const count = Math.max(1, Math.ceil(file.size / blockSize));
  const ids = Array.from({ length: count }, (_, i) => blockId(i));
  const sizeOf = (i) => Math.min(file.size, (i + 1) * blockSize) - i * blockSize;
  const sent = Array.from({ length: count }, (_, i) => (done.has(i) ? sizeOf(i) : 0));
  const report = () =>
    opts.onProgress?.(
      sent.reduce((a, b) => a + b, 0),
      file.size,
    );
  const todo = ids.map((_, i) => i).filter((i) => !done.has(i));
  report();
  let failed = false;
  const worker = async () => {
    // After one block gives up, the others stop too: a resume starts from `done`.
    while (todo.length && !failed) {
      const i = todo.shift();
      const chunk = file.slice(i * blockSize, i * blockSize + sizeOf(i));
      let attempt = 0;
      await withRetries(() => {
        attempt++;
        if (attempt > 1) opts.onRetry?.(i, attempt);
        sent[i] = 0;
        const url = withQuery(sasUrl, { comp: 'block', blockid: ids[i] });
        return put(url, chunk, {}, (loaded) => {
          sent[i] = loaded;
          report();
        });
      }, attempts).catch((err) => {
        failed = true;
        throw err;
      });
      sent[i] = chunk.size;
      done.add(i);
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 3, todo.length) }, worker));
  const xml =
    '<?xml version="1.0" encoding="utf-8"?><BlockList>' +
    ids.map((id) => `<Latest>${id}</Latest>`).join('') +
    '</BlockList>';
  await withRetries(
    () => put(withQuery(sasUrl, { comp: 'blocklist' }), xml, { 'content-type': 'application/xml' }),
    attempts,
  );
}
