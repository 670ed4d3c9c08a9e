/**
 * Retention passes on real parts (SQLite file, embedded Azurite): which blobs go, which jobs
 * become expired, what stays; and download links bounded by the output's deletion.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { buildReport } from '../../../src/services/job-report.ts';
import { createRetention } from '../../../src/services/retention.service.ts';
import { startHarness, quietLog, type Harness } from '../services/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ retentionHours: 1 });
});
after(() => h.close());

const hoursAgo = (n: number) => new Date(Date.now() - n * 3600_000).toISOString();

async function addJob(status: number, finishedAt: string | null) {
  const id = randomUUID();
  const key = await h.db.kysely.selectFrom('api_keys').select('id').executeTakeFirst();
  const keyId = key?.id ?? (await h.services.keys.create({ name: 't', credits: 10 })).keyId;
  const now = new Date().toISOString();
  await h.db.kysely
    .insertInto('jobs')
    .values({
      id,
      key_id: keyId,
      file_name: 'a.jpg',
      file_size: 3,
      content_type: 'image/jpeg',
      model: 'blur',
      model_config: '{}',
      status,
      status_description: 'x',
      media_kind: 'image',
      cost: 1,
      input_key: `jobs/${id}/input/a.jpg`,
      archive_output_key: null,
      upload_kind: 'session',
      approved_by: 'key',
      expires_at: now,
      last_checked_at: null,
      created_at: now,
      updated_at: now,
      approved_at: now,
      finished_at: finishedAt,
    })
    .execute();
  await h.db.kysely
    .insertInto('tasks')
    .values({
      id: randomUUID(),
      job_id: id,
      seq: 0,
      file_name: 'a.jpg',
      kind: 'image',
      status: status === 5 ? 'completed' : 'pending',
      cost: 1,
      progress_done: null,
      progress_total: null,
      output_key: `jobs/${id}/output/a.jpg`,
      detections_key: null,
      faces: 1,
      plates: 0,
      width: 1,
      height: 1,
      duration_seconds: null,
      error: null,
      updated_at: now,
    })
    .execute();
  await h.blobs.store.put(`jobs/${id}/input/a.jpg`, Buffer.from('in'));
  await h.blobs.store.put(`jobs/${id}/output/a.jpg`, Buffer.from('out'));
  return id;
}

test('a pass deletes ended inputs, expires old outputs, keeps the rest', async () => {
  const old = await addJob(5, hoursAgo(2));
  const fresh = await addJob(5, hoursAgo(0.1));
  const oldFailed = await addJob(6, hoursAgo(2));
  const running = await addJob(4, null);
  const retention = createRetention({
    db: h.db.kysely,
    store: h.blobs.store,
    lifecycle: h.services.lifecycle,
    config: h.config,
    log: quietLog,
  });
  const pass = await retention.run();
  assert.deepEqual(pass.outputsExpired, [old]);
  assert.deepEqual(pass.leftoversDeleted, [oldFailed]);
  assert.deepEqual(new Set(pass.inputsDeleted), new Set([old, fresh, oldFailed]));

  const list = (id: string) => h.blobs.store.list(`jobs/${id}/`);
  assert.deepEqual(await list(old), []);
  assert.deepEqual(await list(oldFailed), []);
  assert.deepEqual(await list(fresh), [`jobs/${fresh}/output/a.jpg`]);
  assert.deepEqual((await list(running)).sort(), [
    `jobs/${running}/input/a.jpg`,
    `jobs/${running}/output/a.jpg`,
  ]);

  const expired = (await h.services.lifecycle.get(old))!;
  assert.equal(expired.status, 7);
  assert.equal(
    expired.status_description,
    'expired: outputs were deleted after 1 hour (retention period)',
  );
  const report = await buildReport(
    expired,
    await h.services.lifecycle.tasks(old),
    h.blobs.store,
    h.config,
  );
  assert.equal(report.tasks[0]!.download_link, null);
  assert.equal((await h.services.lifecycle.get(oldFailed))!.status, 6, 'a failed job stays failed');

  // The fresh job's link ends when its output is deleted (finished 6 min ago + 1 h), not in 24 h.
  const freshJob = (await h.services.lifecycle.get(fresh))!;
  const link = (
    await buildReport(freshJob, await h.services.lifecycle.tasks(fresh), h.blobs.store, h.config)
  ).tasks[0]!.download_link!;
  const se = Date.parse(new URL(link).searchParams.get('se')!);
  const outputEnd = Date.parse(freshJob.finished_at!) + 3600_000;
  assert.ok(Math.abs(se - outputEnd) < 2000, `link ends at ${new Date(se).toISOString()}`);

  const second = await retention.run();
  assert.deepEqual(second, { inputsDeleted: [], outputsExpired: [], leftoversDeleted: [] });
});
