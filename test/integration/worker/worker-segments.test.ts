/**
 * Long videos split into segments (tiny ones here: VEIL_SEGMENT_SECONDS 0.8, overlap 0.4 s)
 * that several workers process and one join puts back together: same frames, streams and
 * duration as the input, each output frame the anonymized copy of its own input frame, the
 * face covered on every frame (across the joins too), one output and one charge; also with
 * PostgreSQL and BullMQ on Redis (the scaled-out configuration), and when a worker process
 * is killed in the middle of a segment.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { closeSharedEngine } from '../../../src/media/image/shared-engine.ts';
import { countFrames } from '../../../src/media/video/segment.split.ts';
import { probeVideoStreams } from '../../../src/media/video/video.probe.ts';
import { BullmqQueue } from '../../../src/queue/bullmq.adapter.ts';
import { PG_ADMIN } from '../../e2e/scale-out-cluster.ts';
import { dropRedisPrefix, REDIS_URL, redisMissing } from '../queue/redis-server.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import type { JobQueue } from '../../../src/queue/index.ts';
import { createServices, type Principal } from '../../../src/services/index.ts';
import { azuriteConnectionString } from '../../../src/storage/azurite.runtime.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { coverage, type MovingObject } from '../video/synth-clip.ts';
import { quietLog, startHarness, until, type Harness } from '../services/harness.ts';
import { CLIP, greyFrames, misplacedFrames, streamsOf, uploadVideo } from './segments.fixture.ts';
import { segmentClip } from './segments.fixture.ts';

const SEGMENTS = { segmentSeconds: 0.8, segmentOverlapSeconds: 0.4 };

let dir: string;
let clip: { file: string; objects: MovingObject[] };
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'veil-segments-'));
  clip = await segmentClip(dir);
});
after(async () => {
  await closeSharedEngine();
  await rm(dir, { recursive: true, force: true });
});

const workerOf = (h: Harness, queue: JobQueue, services = h.services) =>
  startWorker({
    ...h,
    services,
    queue,
    store: h.blobs.store,
    log: quietLog,
    housekeepingMs: 3_600_000,
  });

async function withWorld(
  fn: (h: Harness, who: Principal) => Promise<void>,
  overrides: { databaseUrl?: string } = {},
) {
  const h = await startHarness({ ...SEGMENTS, ...overrides });
  const key = await h.services.keys.create({ name: 'segments', credits: 100 });
  try {
    await fn(h, { keyId: key.keyId, name: 'segments' });
  } finally {
    await h.close();
  }
}

/** The job's one output matches the input frame for frame, with one charge. */
async function checkJoined(h: Harness, who: Principal, jobId: string) {
  const report = await h.services.jobs.report(who, jobId);
  assert.equal(report.job_status, 5, report.job_status_description);
  assert.equal(report.tasks.length, 1, 'segments are not tasks of their own');
  const [task] = report.tasks;
  assert.equal(task.status, 'completed');
  assert.equal(task.faces, 1, 'the one face is counted once over the segments');
  assert.deepEqual(task.progress, { done: CLIP.frames, total: CLIP.frames });
  const segments = await h.services.segments.list(task.task_id);
  assert.ok(segments.length >= 2, `split into ${segments.length} segments`);
  assert.ok(segments.every((s) => s.status === 'completed'));
  let next = 0;
  for (const s of segments) {
    assert.equal(s.first_frame, next, 'segments follow each other frame for frame');
    assert.ok(
      s.seq === 0 ? s.warm_frames === 0 : s.warm_frames >= 10,
      'an overlap warms the tracker',
    );
    next += s.frames;
  }
  assert.equal(next, CLIP.frames);

  const output = path.join(dir, `${jobId}.mp4`);
  await writeFile(output, Buffer.from(await (await fetch(task.download_link!)).arrayBuffer()));
  assert.equal(await countFrames([{ file: output }]), await countFrames([{ file: clip.file }]));
  assert.deepEqual(streamsOf(output), streamsOf(clip.file));
  assert.deepEqual(streamsOf(output), ['Video:h264', 'Audio:aac']);
  const [a, b] = [await probeVideoStreams(clip.file), await probeVideoStreams(output)];
  assert.ok(Math.abs(a.durationSeconds - b.durationSeconds) <= 1 / 25, `${b.durationSeconds}s`);
  assert.equal(b.frameRate, a.frameRate);
  assert.deepEqual(misplacedFrames(greyFrames(clip.file), greyFrames(output)), []);

  const charges = await h.db.kysely
    .selectFrom('credit_entries')
    .select('amount')
    .where('job_id', '=', jobId)
    .execute();
  assert.deepEqual(charges, [{ amount: -CLIP.credits }]);
  assert.equal(await h.services.keys.balance(who.keyId), 100 - CLIP.credits);
  const blobs = await h.blobs.store.list(`jobs/${jobId}/`);
  assert.ok(!blobs.some((k) => k.includes('/segments/')), 'segment blobs are removed');
  assert.equal(blobs.filter((k) => k.includes('/output/') && k.endsWith('.mp4')).length, 1);
  return { task, segments };
}

it('joins a long video from segments seamlessly after a worker dies mid-segment and two others finish', () =>
  withWorld(async (h, who) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'worker.child.ts'),
        h.dataDir,
        azuriteConnectionString(h.blobs.endpoint),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          VEIL_SEGMENT_SECONDS: String(SEGMENTS.segmentSeconds),
          VEIL_SEGMENT_OVERLAP_S: String(SEGMENTS.segmentOverlapSeconds),
        },
      },
    );
    const exited = new Promise((r) => child.once('exit', r));
    const second = new DatabaseQueue(h.db.kysely, { pollMs: 20 });
    const workers: Array<Awaited<ReturnType<typeof workerOf>>> = [];
    try {
      const jobId = await uploadVideo(h, who, clip.file, { detections: true });
      assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
      const task = (await h.services.lifecycle.tasks(jobId))[0];
      await until(async () => {
        const segs = await h.services.segments.list(task.id);
        return segs.some((s) => s.status === 'processing' && s.frames_done > 0);
      }, 60_000);
      child.kill('SIGKILL');
      await exited;
      const segs = await h.services.segments.list(task.id);
      assert.ok(
        segs.some((s) => s.status === 'processing'),
        'killed mid-segment',
      );
      assert.equal((await h.services.lifecycle.get(jobId))?.status, 4);

      // Two workers take the killed segment (once its lease ends) and the rest, racing to join.
      workers.push(await workerOf(h, h.queue), await workerOf(h, second));
      await until(async () => (await h.services.lifecycle.get(jobId))!.status >= 5, 120_000);
      const { segments } = await checkJoined(h, who, jobId);

      // Boxes drawn: every frame once, in order, and the face covered on every one of them.
      const report = await h.services.jobs.report(who, jobId);
      const doc = (await (await fetch(report.tasks[0].detections_link!)).json()) as {
        frames: Array<{ frame: number; objects: Array<{ box: never }> }>;
      };
      assert.deepEqual(
        doc.frames.map((f) => f.frame),
        Array.from({ length: CLIP.frames }, (_, i) => i),
      );
      const seen = coverage(doc.frames, clip.objects, CLIP.width, CLIP.height);
      assert.equal(seen.uncovered, 0, `uncovered on frames ${seen.frames.join(', ')}`);
      assert.ok(seen.objectFrames >= CLIP.frames - 5);
      for (const j of segments.slice(1).map((s) => s.first_frame)) {
        for (const f of [j - 1, j]) assert.ok(doc.frames[f].objects.length > 0, `frame ${f}`);
      }
    } finally {
      child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.stop(1000)));
      await second.close(100);
    }
  }));

/** A fresh database on the machine's PostgreSQL (as the scaled-out deployment uses), or why not. */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  try {
    await admin.connect();
  } catch {
    return `no PostgreSQL at ${PG_ADMIN}`;
  }
  const name = `veil_segments_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await admin.query(`create database ${name}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    },
  };
}

const postgres = await freshPostgres();
after(async () => {
  if (typeof postgres !== 'string') await postgres.drop();
});

it(
  'runs the segments and the join on PostgreSQL and BullMQ (two consumers)',
  { skip: (await redisMissing()) || (typeof postgres === 'string' && postgres) },
  () =>
    withWorld(
      async (h, who) => {
        const prefix = `veil-seg-${randomUUID().slice(0, 8)}`;
        const queues = [0, 1].map(() => new BullmqQueue(REDIS_URL, { prefix, leaseMs: 5000 }));
        // Services that queue on Redis: the approval's process-job goes there too.
        const services = createServices({
          ...h,
          store: h.blobs.store,
          queue: queues[0],
          log: quietLog,
        });
        const workers = [
          await workerOf(h, queues[0], services),
          await workerOf(h, queues[1], services),
        ];
        try {
          const jobId = await uploadVideo(h, who, clip.file);
          assert.equal(await services.jobs.approve(who, jobId), 'approved');
          await until(async () => (await h.services.lifecycle.get(jobId))!.status >= 5, 120_000);
          await checkJoined(h, who, jobId);
        } finally {
          await Promise.all(workers.map((w) => w.stop(1000)));
          await dropRedisPrefix(prefix);
        }
      },
      { databaseUrl: typeof postgres === 'string' ? undefined : postgres.url },
    ),
);
