import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { migrate, type DB } from '../../../src/db/index.ts';
import { openSqlite } from '../../../src/db/sqlite.adapter.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import { runQueueConformance } from './queue.conformance.ts';

runQueueConformance('database queue on a SQLite file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-queue-'));
  const file = path.join(dir, 'veil.db');
  const main = openSqlite(file);
  await migrate(main);
  // Each queue gets its own connection, as separate processes would.
  const conns: Kysely<DB>[] = [main];
  return {
    make: (opts) => {
      const conn = openSqlite(file);
      conns.push(conn);
      return new DatabaseQueue(conn, opts);
    },
    cleanup: async () => {
      for (const c of conns) await c.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('database queue crash safety', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-queue-crash-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('retries a job whose process was killed mid-run once its lease runs out', async () => {
    const file = path.join(dir, 'veil.db');
    const db = openSqlite(file);
    await migrate(db);
    const producer = new DatabaseQueue(db);
    await producer.add('process-job', { jobId: 'crashy' }, { attempts: 3 });

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'crash-worker.child.ts'), file, '500'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const started = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    assert.equal(started, 'started crashy');
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => child.once('exit', r));

    const sut = new DatabaseQueue(db, { pollMs: 20, leaseMs: 500 });
    const attempts: number[] = [];
    sut.process('process-job', async (_p, ctx) => void attempts.push(ctx.attempt));
    await sut.start();
    const end = Date.now() + 10_000;
    while (attempts.length === 0 && Date.now() < end) await sleep(20);
    const waited = Date.now() - killedAt;
    await sut.close();
    await db.destroy();
    assert.deepEqual(attempts, [2], 'the killed attempt counts, the retry is the second');
    assert.ok(waited < 5000, `picked up ${waited} ms after the kill`);
  });
});
