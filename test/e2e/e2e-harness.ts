/**
 * Veil as a user runs it (`startVeil`: API, workers, SQLite, embedded Azurite) on a temp data
 * dir and free ports, plus what a client needs: fetch with a key, polling, a webhook receiver.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import sharp from 'sharp';
import { startVeil, type VeilHandle } from '../../src/app.ts';
import { loadConfig, type VeilConfig } from '../../src/config.ts';
import type { JobReport, UploadSessionResponse } from '../../src/services/types.ts';
import { AzureBlobStore } from '../../src/storage/azure-blob.store.ts';
import { azuriteConnectionString } from '../../src/storage/azurite.runtime.ts';
import type { BlobStore } from '../../src/storage/index.ts';
import { createSession, getReport, waitForJob } from './kit.ts';

export interface E2E {
  veil: VeilHandle;
  config: VeilConfig;
  /** An independent client on Veil's container, to check what is stored. */
  container: BlobStore;
  key: string;
  api(route: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  report(jobId: string, token?: string): Promise<JobReport>;
  /** POST /create_upload_session (blur; `extra` overrides body fields). */
  createSession(
    fileName: string,
    fileSize: number,
    extra?: Record<string, unknown>,
    token?: string,
  ): Promise<UploadSessionResponse>;
  /** Polls get_job_result until the job has one of `statuses`. */
  waitFor(
    jobId: string,
    statuses: number[],
    timeoutMs?: number,
    token?: string,
  ): Promise<JobReport>;
  stop(): Promise<void>;
}

export async function startE2E(
  overrides: Partial<VeilConfig> = {},
  opts: { housekeepingMs?: number; log?: Logger } = {},
): Promise<E2E> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-e2e-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      azuritePort: 0,
      uploadPollMs: 100,
      webhookAllowPrivate: true,
      webhookTimeoutMs: 2000,
      demoCredits: 1000,
      ...overrides,
    },
  );
  const veil = await startVeil(config, {
    log: opts.log ?? pino({ level: process.env.E2E_LOG ?? 'silent' }),
    webhookBackoffMs: 100,
    stopGraceMs: 1000,
    housekeepingMs: opts.housekeepingMs,
  });
  assert.ok(veil.demoKey, 'a fresh data dir gets a demo key');
  const key = veil.demoKey;
  const container = new AzureBlobStore(
    azuriteConnectionString(veil.blobEndpoint),
    config.container,
  );

  const api: E2E['api'] = (route, init = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? key : init.token;
    if (token !== null) headers.set('access_token', token);
    return fetch(`${veil.url}${route}`, { ...init, headers, redirect: 'manual' });
  };
  const report = (jobId: string, token?: string) => getReport(veil.url, token ?? key, jobId);
  const waitFor = (jobId: string, statuses: number[], timeoutMs = 30_000, token?: string) =>
    waitForJob(veil.url, token ?? key, jobId, statuses, timeoutMs);
  return {
    veil,
    config,
    container,
    key,
    api,
    report,
    createSession: (fileName, fileSize, extra, token) =>
      createSession(veil.url, token ?? key, fileName, fileSize, extra),
    waitFor,
    stop: async () => {
      await veil.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Hook {
  headers: http.IncomingHttpHeaders;
  body: string;
  report: JobReport;
}

/** A local webhook receiver; `next(pred)` resolves with the first matching delivery. */
export async function startHookServer() {
  const received: Hook[] = [];
  const waiters: Array<{ pred: (h: Hook) => boolean; resolve: (h: Hook) => void }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const hook = { headers: req.headers, body, report: JSON.parse(body) as JobReport };
      received.push(hook);
      for (const w of waiters.filter((w) => w.pred(hook))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hook);
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    next(pred: (h: Hook) => boolean, timeoutMs = 30_000): Promise<Hook> {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching webhook arrived')), timeoutMs);
        waiters.push({
          pred,
          resolve: (h) => {
            clearTimeout(timer);
            resolve(h);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Box = { x1: number; y1: number; x2: number; y2: number };

/**
 * Mean absolute per-channel difference between two same-size images: per box, and outside
 * every box grown by `margin` px (so blur feathering does not count as "outside").
 */
export async function compareRegions(a: Buffer, b: Buffer, boxes: Box[], margin = 40) {
  const [ra, rb] = await Promise.all(
    [a, b].map((img) => sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  assert.deepEqual([ra.info.width, ra.info.height], [rb.info.width, rb.info.height], 'same size');
  const { width, height } = ra.info;
  const within = (bx: Box, x: number, y: number, m: number) =>
    x >= bx.x1 - m && x < bx.x2 + m && y >= bx.y1 - m && y < bx.y2 + m;
  const sums = boxes.map(() => ({ sum: 0, n: 0 }));
  let outSum = 0;
  let outN = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const d =
        Math.abs(ra.data[i] - rb.data[i]) +
        Math.abs(ra.data[i + 1] - rb.data[i + 1]) +
        Math.abs(ra.data[i + 2] - rb.data[i + 2]);
      let near = false;
      boxes.forEach((bx, k) => {
        if (within(bx, x, y, 0)) {
          sums[k].sum += d;
          sums[k].n += 3;
        }
        if (within(bx, x, y, margin)) near = true;
      });
      if (!near) {
        outSum += d;
        outN += 3;
      }
    }
  }
  return { perBox: sums.map((s) => s.sum / s.n), outside: outSum / outN };
}
