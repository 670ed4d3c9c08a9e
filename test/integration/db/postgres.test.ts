/**
 * The same query layer, migrations, queue and services on a real PostgreSQL server
 * (started here from the installed binaries; skipped, saying why, where there are none).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { migrate, type DB } from '../../../src/db/index.ts';
import { openPostgres } from '../../../src/db/postgres.adapter.ts';
import { isVeilError } from '../../../src/errors.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { fixturePath } from '../../fixtures/images/fixtures.ts';
import { runQueueConformance } from '../queue/queue.conformance.ts';
import { quietLog, startHarness, until, type Harness } from '../services/harness.ts';
import { postgresMissing, startPostgres } from './postgres-server.ts';

if (postgresMissing) {
  it('PostgreSQL adapter', { skip: postgresMissing }, () => {});
} else {
  const server = await startPostgres();
  const admin = openPostgres(server.url());
  after(async () => {
    await admin.destroy();
    server.stop();
  });
  const freshDatabase = async () => {
    const name = `t_${randomBytes(6).toString('hex')}`;
    await sql`create database ${sql.id(name)}`.execute(admin);
    // Dropped once our closed pools' sessions are gone (forcing it would make them throw).
    const drop = async () => {
      for (let i = 0; ; i++) {
        try {
          return await sql`drop database ${sql.id(name)}`.execute(admin);
        } catch (err) {
          if (i > 50 || !/being accessed/.test(String(err))) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    return { url: server.url(name), drop };
  };

  runQueueConformance('database queue on PostgreSQL', async () => {
    const database = await freshDatabase();
    const conns: Kysely<DB>[] = [openPostgres(database.url)];
    await migrate(conns[0]);
    return {
      make: (opts) => {
        conns.push(openPostgres(database.url));
        return new DatabaseQueue(conns.at(-1)!, opts);
      },
      cleanup: async () => {
        for (const c of conns) await c.destroy();
        await database.drop();
      },
    };
  });

  describe('services and worker on PostgreSQL', () => {
    async function withHarness(fn: (h: Harness) => Promise<void>) {
      const database = await freshDatabase();
      const h = await startHarness({ databaseUrl: database.url });
      try {
        assert.equal(h.db.dialect, 'postgres');
        await fn(h);
      } finally {
        await h.close();
        await database.drop();
      }
    }

    it('lets exactly 10 of 20 concurrent approvals pass over a pool of connections', () =>
      withHarness(async (h) => {
        const key = await h.services.keys.create({ name: 'pg', credits: 10 });
        const who = { keyId: key.keyId, name: 'pg' };
        const jobs: string[] = [];
        for (let i = 0; i < 20; i++) {
          const s = await h.services.jobs.createUploadSession(who, {
            fileName: `f${i}.jpg`,
            fileSize: 1000,
            contentType: 'image/jpeg',
            model: 'blur',
            modelConfig: {},
          });
          await h.services.lifecycle.markUploaded(s.job_id, 1000);
          await h.services.lifecycle.recordInspection(s.job_id, 'image', [
            { name: `f${i}.jpg`, kind: 'image' },
          ]);
          jobs.push(s.job_id);
        }
        const outcomes = await Promise.allSettled(
          jobs.map((id) => h.services.jobs.approve(who, id)),
        );
        const refused = outcomes.filter(
          (o) => o.status === 'rejected' && isVeilError(o.reason, 'NOT_ENOUGH_CREDITS'),
        );
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 10);
        assert.equal(refused.length, 10);
        assert.equal(await h.services.keys.available(key.keyId), 0);
        assert.equal(await h.services.keys.balance(key.keyId), 10);
      }));

    it('runs a photo from upload to a single charge, and deletes it', () =>
      withHarness(async (h) => {
        const worker = await startWorker({
          ...h,
          store: h.blobs.store,
          log: quietLog,
          housekeepingMs: 3_600_000,
        });
        try {
          const key = await h.services.keys.create({ name: 'pg', credits: 5 });
          const who = { keyId: key.keyId, name: 'pg' };
          const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
            fileName: 'group.jpg',
            model: 'blur',
            modelConfig: {},
          });
          const put = await fetch(uploadUrl, {
            method: 'PUT',
            body: new Uint8Array(await readFile(fixturePath('group-3-faces.jpg')!)),
            headers: { 'x-ms-blob-type': 'BlockBlob' },
          });
          assert.equal(put.status, 201);
          const status = async () => (await h.services.jobs.report(who, jobId)).job_status;
          await until(async () => (await status()) === 2, 30_000);
          assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
          await until(async () => (await status()) === 5, 60_000);
          const report = await h.services.jobs.report(who, jobId);
          assert.ok((report.tasks[0].faces ?? 0) >= 3);
          assert.equal(report.tasks[0].width, 1920);
          assert.equal(
            await h.services.lifecycle.finish(jobId),
            null,
            'a second completion does nothing',
          );
          assert.equal(await h.services.keys.balance(key.keyId), 4);
          await h.services.jobs.delete(who, jobId);
          assert.deepEqual(await h.blobs.store.list(`jobs/${jobId}/`), []);
        } finally {
          await worker.stop(1000);
        }
      }));
  });
}
