/**
 * Serves the web page (src/web/public: plain HTML/CSS/JS, no build, no CDN) at `/` and its
 * assets under `/web/`. The page is static and unauthenticated; every API call it makes
 * carries the key the user typed, which stays in the browser (localStorage).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const publicDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The files the page is made of; read once at start (a few KB), so no path comes from a URL. */
const files = [
  'index.html',
  'app.js',
  'api.js',
  'compare.js',
  'dom.js',
  'upload.js',
  'style.css',
  'favicon.svg',
];

// Same origin for scripts and the API; images, videos and uploads go to blob storage.
const csp = [
  "default-src 'self'",
  "img-src 'self' blob: data: http: https:",
  "media-src 'self' blob: http: https:",
  "connect-src 'self' http: https:",
  "style-src 'self'",
  "script-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function webPlugin(app: FastifyInstance): Promise<void> {
  const served = new Map<string, { body: Buffer; type: string }>();
  for (const name of files) {
    served.set(name, {
      body: await readFile(path.join(publicDir, name)),
      type: types[path.extname(name)] ?? 'application/octet-stream',
    });
  }
  const send = (name: string) => {
    const file = served.get(name)!;
    return async (_request: unknown, reply: import('fastify').FastifyReply) =>
      reply
        .type(file.type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', csp)
        .header('x-content-type-options', 'nosniff')
        .send(file.body);
  };
  const hide = { schema: { hide: true } };
  app.get('/', hide, send('index.html'));
  for (const name of files) app.get(`/web/${name}`, hide, send(name));
}
