// Calls to the Veil API from the page: the key header on every call, errors in words.

let apiKey = '';

export function setApiKey(key) {
  apiKey = key;
}

/** The API's `detail` (a sentence or FastAPI-style field errors) as words for people. */
export function describeError(status, body) {
  const detail = body && typeof body === 'object' ? body.detail : body;
  if (status === 401) return 'The API key was not accepted. Check it and save it again.';
  if (status === 402) return 'Not enough credits for this job.';
  if (status === 429) return 'Too many requests just now; wait a minute and try again.';
  if (Array.isArray(detail)) return detail.map((d) => d.msg ?? JSON.stringify(d)).join('; ');
  if (typeof detail === 'string' && detail) return detail;
  return `The server answered with an error (HTTP ${status}).`;
}

export async function api(path, opts = {}) {
  if (!apiKey) throw new Error('Paste your API key above and press Save first.');
  const headers = { access_token: apiKey, ...(opts.headers ?? {}) };
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
      redirect: 'manual',
    });
  } catch {
    throw new Error('Could not reach the server. Check your connection.');
  }
  const text = await res.text();
  let body = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  const ok = opts.ok ?? [200];
  if (!ok.includes(res.status) && !(res.type === 'opaqueredirect' && ok.includes(302))) {
    const err = new Error(describeError(res.status, body));
    err.status = res.status;
    throw err;
  }
  return { status: res.type === 'opaqueredirect' ? 302 : res.status, body };
}
