/**
 * The typed client (packages/client) against a real Veil: SQLite, embedded Azurite, the
 * real engine on a real photo. Uploads go in blocks straight to the SAS URL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  ApiError,
  JobFailedError,
  VeilClient,
  blockId,
  type ProgressEvent,
} from '../../../packages/client/src/index.ts';
import type * as Sdk from '../../../packages/client/src/types.ts';
import type * as Server from '../../../src/services/types.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, startHookServer, type E2E } from '../../e2e/e2e-harness.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Compile-time: the client's hand-written wire types equal the server's (typecheck fails else). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const wireTypesMatch: [
  Same<Sdk.JobReport, Server.JobReport>,
  Same<Sdk.UploadSessionResponse, Server.UploadSessionResponse>,
  Same<Sdk.ModelConfig, Server.ModelConfigInput>,
  Same<Sdk.CreditsResponse, Server.CreditsReport>,
  Same<Sdk.JobListResponse, Server.JobList>,
] = [true, true, true, true, true];

describe('VeilClient against a running Veil', () => {
  let e: E2E;
  let out: string;
  let veil: VeilClient;

  before(async () => {
    e = await startE2E();
    out = await mkdtemp(path.join(tmpdir(), 'veil-client-'));
    veil = new VeilClient({ baseUrl: e.veil.url, apiKey: e.key });
  });
  after(async () => {
    await e.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('anonymizes a photo: blocks, approval, progress, download, credits, delete', async (t) => {
    const photo = fixturePath('astronaut.jpg')!;
    const before = await veil.getCredits();
    const events: ProgressEvent[] = [];
    // 16 KiB blocks: a 53 KB photo goes as 4 Put Block requests and one Put Block List.
    const job = await veil.anonymize(photo, {
      model: 'blur',
      lpTrack: true,
      blockSize: 16 * 1024,
      onProgress: (ev) => events.push(ev),
      timeoutMs: 60_000,
    });
    const uploads = events.filter((ev) => ev.stage === 'upload');
    const size = (await readFile(photo)).length;
    assert.ok(uploads.length >= 4, `progress per block (${uploads.length} events)`);
    assert.deepEqual(uploads.at(-1), { stage: 'upload', loaded: size, total: size });
    assert.equal(events.at(-1)?.stage, 'done');
    assert.equal(job.report?.job_status, 5);

    const files = await job.download(path.join(out, 'one'));
    assert.deepEqual(files, [path.join(out, 'one', 'astronaut.jpg')]);
    const diff = await compareRegions(
      await readFile(photo),
      await readFile(files[0]),
      truth('astronaut.jpg').faces.map((f) => f.box),
      24,
    );
    t.diagnostic(`face diff ${diff.perBox[0].toFixed(1)}, elsewhere ${diff.outside.toFixed(2)}`);
    assert.ok(diff.perBox[0] > 4 * diff.outside, 'the face changed far more than the rest');

    const credits = await veil.getCredits();
    assert.equal(credits.balance, before.balance - job.report!.job_total_credit_cost);
    const charge = credits.entries.find((en) => en.job_id === job.id);
    assert.equal(charge?.kind, 'charge');
    assert.equal(charge?.amount, -job.report!.job_total_credit_cost);

    await job.delete();
    await assert.rejects(job.refresh(), (err: ApiError) => err.status === 404);
  });

  it('retries a block after a dropped connection and a 503', async () => {
    const photo = fixturePath('astronaut.jpg')!;
    const attempts = new Map<string, number>();
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      const id = new URL(url).searchParams.get('blockid');
      if (id === blockId(1) || id === blockId(2)) {
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        if (n === 1 && id === blockId(1)) throw new TypeError('fetch failed (socket hang up)');
        if (n === 1) return new Response('<Code>ServerBusy</Code>', { status: 503 });
      }
      return fetch(input, init);
    };
    const client = new VeilClient({
      baseUrl: e.veil.url,
      apiKey: e.key,
      fetch: flaky,
      retry: { baseDelayMs: 20 },
    });
    const job = await client.upload(photo, { blockSize: 16 * 1024 });
    assert.deepEqual([...attempts.values()], [2, 2], 'each failed block was sent again once');
    const report = await job.poll((r) => r.job_status >= 2, { timeoutMs: 30_000 });
    assert.equal(report.job_status, 2, 'the committed blob is complete and costed');
    await job.delete();
  });

  it('registers a webhook that hears the job end', async () => {
    const hooks = await startHookServer();
    try {
      const photo = fixturePath('astronaut.jpg')!;
      const job = await veil.anonymize(photo, { callbackUrl: hooks.url, timeoutMs: 60_000 });
      const hook = await hooks.next((h) => h.report.job_id === job.id && h.report.job_status === 5);
      assert.equal(hook.report.tasks[0].file_name, 'astronaut.jpg');
    } finally {
      await hooks.close();
    }
  });

  it('sends files under 1000 bytes by direct_upload, and works under /v1', async () => {
    const tiny = await sharp({
      create: { width: 16, height: 16, channels: 3, background: '#808080' },
    })
      .png()
      .toBuffer();
    assert.ok(tiny.length < 1000);
    const v1 = new VeilClient({ baseUrl: `${e.veil.url}/v1/`, apiKey: e.key });
    const job = await v1.anonymize(tiny, { fileName: 'grey.png', timeoutMs: 30_000 });
    const [file] = await job.download(path.join(out, 'tiny'));
    const meta = await sharp(await readFile(file)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 16, 16]);
  });

  it('lists jobs page by page with a cursor, only those of the calling key', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await veil.directUpload(`page-${i}.jpg`, 'blur')).jobId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await veil.listJobs({ limit: 2, cursor });
      assert.ok(page.jobs.length <= 2);
      seen.push(...page.jobs.map((j) => j.job_id));
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    assert.ok(pages >= 3, `${pages} pages of 2`);
    assert.equal(new Set(seen).size, seen.length, 'no job twice');
    assert.deepEqual(seen.slice(0, 5), [...ids].reverse(), 'newest first');

    // A second key, made as an operator would, sees none of them and only its own credits.
    const { stdout } = await run(
      process.execPath,
      ['bin/veil.js', 'keys', 'create', '--credits', '5'],
      { cwd: root, env: { ...process.env, VEIL_DATA_DIR: e.config.dataDir } },
    );
    const second = new VeilClient({ baseUrl: e.veil.url, apiKey: stdout.split('\n')[0] });
    assert.deepEqual(await second.listJobs(), { jobs: [], next_cursor: null });
    const credits = await second.getCredits();
    assert.deepEqual(
      [credits.balance, credits.available, credits.entries.map((en) => [en.kind, en.amount])],
      [5, 5, [['grant', 5]]],
    );

    const unknown = new VeilClient({ baseUrl: e.veil.url, apiKey: 'nope' });
    await assert.rejects(unknown.listJobs(), (err: ApiError) => {
      assert.equal(err.status, 401);
      assert.match(err.message, /access_token/);
      return true;
    });
    await assert.rejects(veil.listJobs({ cursor: 'bm90LWEtY3Vyc29y' }), (err: ApiError) => {
      assert.equal(err.status, 422);
      assert.match(err.message, /cursor/);
      return true;
    });
  });

  it('reports a failed job with the task error in words', async () => {
    const junk = Buffer.alloc(4000, 7);
    await assert.rejects(
      veil.anonymize(junk, { fileName: 'junk.jpg', timeoutMs: 30_000 }),
      (err: JobFailedError) => {
        assert.equal(err.name, 'JobFailedError');
        assert.equal(err.status, 6);
        // The server's reason, in words (here: the bytes are no JPEG).
        assert.match(err.message, new RegExp(`^Job ${err.jobId} .*\\.jpg`));
        return true;
      },
    );
  });

  it('documents /credits and /jobs in the OpenAPI', async () => {
    const doc = (await (await fetch(`${e.veil.url}/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    for (const p of ['/credits', '/jobs', '/v1/credits', '/v1/jobs']) {
      assert.ok(doc.paths[p], `${p} in the OpenAPI`);
    }
  });
});
