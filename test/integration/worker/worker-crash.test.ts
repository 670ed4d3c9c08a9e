/** Kill a worker process in the middle of a job: the job still completes, once. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, it } from 'node:test';
import yazl from 'yazl';
import { azuriteConnectionString } from '../../../src/storage/azurite.runtime.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { fixturePath } from '../../fixtures/images/fixtures.ts';
import { quietLog, startHarness, until } from '../services/harness.ts';

const h = await startHarness();
after(() => h.close());

it('completes a job whose worker was killed mid-way, without duplicate tasks, outputs or charges', async () => {
  const photos = ['group-3-faces.jpg', 'astronaut.jpg', 'group-5-faces.jpg'].map((n) =>
    fixturePath(n)!,
  );
  const zipPath = path.join(h.dataDir, 'six.zip');
  const zip = new yazl.ZipFile();
  for (let i = 0; i < 6; i++) zip.addFile(photos[i % 3], `p${i}.jpg`);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
  const data = await readFile(zipPath);
  const key = await h.services.keys.create({ name: 'crash', credits: 50 });
  const who = { keyId: key.keyId, name: 'crash' };
  const session = await h.services.jobs.createUploadSession(who, {
    fileName: 'six.zip',
    fileSize: data.length,
    contentType: 'application/zip',
    model: 'blur',
    modelConfig: {},
  });
  const jobId = session.job_id;
  const put = await fetch(session.session_uri, {
    method: 'PUT',
    body: new Uint8Array(data),
    headers: { 'x-ms-blob-type': 'BlockBlob' },
  });
  assert.equal(put.status, 201);

  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'worker.child.ts'),
      h.dataDir,
      azuriteConnectionString(h.blobs.endpoint),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const l = h.services.lifecycle;
  await until(async () => (await l.get(jobId))?.status === 2, 30_000);
  assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
  const doneTasks = async () =>
    (await l.tasks(jobId)).filter((t) => t.status === 'completed').length;
  await until(async () => (await doneTasks()) >= 1, 60_000);
  child.kill('SIGKILL');
  await exited;
  const doneAtKill = await doneTasks();
  assert.ok(doneAtKill < 6, `the kill must land mid-job (${doneAtKill} of 6 done)`);
  assert.equal((await l.get(jobId))?.status, 4);

  const worker = await startWorker({
    ...h,
    store: h.blobs.store,
    log: quietLog,
    housekeepingMs: 3_600_000,
  });
  try {
    await until(async () => (await l.get(jobId))?.status === 5, 60_000);
  } finally {
    await worker.stop(1000);
  }
  const tasks = await l.tasks(jobId);
  assert.equal(tasks.length, 6);
  assert.ok(tasks.every((t) => t.status === 'completed'));
  const charges = await h.db.kysely
    .selectFrom('credit_entries')
    .selectAll()
    .where('job_id', '=', jobId)
    .execute();
  assert.deepEqual(
    charges.map((c) => c.amount),
    [-6],
  );
  assert.equal(await h.services.keys.balance(who.keyId), 44);
  const blobs = await h.blobs.store.list(`jobs/${jobId}/`);
  assert.deepEqual(
    blobs.sort(),
    [
      `jobs/${jobId}/input/six.zip`,
      ...[0, 1, 2, 3, 4, 5].map((i) => `jobs/${jobId}/output/p${i}.jpg`),
      `jobs/${jobId}/output/six.zip`,
    ].sort(),
  );
});
