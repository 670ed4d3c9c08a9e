import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../../src/config.ts';
import { openDatabase } from '../../../src/db/index.ts';

const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-db-'));
after(() => rm(dataDir, { recursive: true, force: true }));

it('creates <dataDir>/veil.db in WAL mode with every table, and reopens it without migrating twice', async () => {
  const config = loadConfig({}, { dataDir: path.join(dataDir, 'one') });
  const first = await openDatabase(config);
  assert.equal(first.dialect, 'sqlite');
  const tables = await first.kysely.introspection.getTables();
  const names = tables.map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
  assert.deepEqual(names.sort(), [
    'api_keys',
    'credit_entries',
    'jobs',
    'queue_jobs',
    'task_segments',
    'tasks',
    'webhooks',
  ]);
  const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(first.kysely);
  assert.equal(rows[0].journal_mode, 'wal');
  await first.kysely
    .insertInto('api_keys')
    .values({ id: 'k', name: 'n', token_hash: 'h', webhook_secret: 's', created_at: 'now' })
    .execute();
  await first.close();
  const again = await openDatabase(config);
  const keys = await again.kysely.selectFrom('api_keys').select('id').execute();
  assert.deepEqual(keys, [{ id: 'k' }]);
  // Foreign keys are enforced: a job for an unknown key is refused.
  await assert.rejects(
    again.kysely
      .insertInto('credit_entries')
      .values({
        id: 'c',
        key_id: 'nobody',
        kind: 'grant',
        amount: 1,
        job_id: null,
        created_at: 'now',
      })
      .execute(),
    /FOREIGN KEY/,
  );
  // The ledger refuses a second charge for the same job.
  const charge = (id: string) => ({
    id,
    key_id: 'k',
    kind: 'charge' as const,
    amount: -1,
    job_id: 'job-1',
    created_at: 'now',
  });
  await again.kysely.insertInto('credit_entries').values(charge('c1')).execute();
  await assert.rejects(
    again.kysely.insertInto('credit_entries').values(charge('c2')).execute(),
    /UNIQUE/,
  );
  await again.close();
});

it('lets several processes open a fresh database at the same moment', async () => {
  const dir = path.join(dataDir, 'race');
  const script = `
    import { loadConfig } from '${path.resolve('src/config.ts')}';
    import { openDatabase } from '${path.resolve('src/db/index.ts')}';
    const db = await openDatabase(loadConfig({}, { dataDir: process.argv[1] }));
    await db.close();
    console.log('ok');`;
  const runs = [0, 1, 2, 3].map(
    () =>
      new Promise<number>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script, dir],
          {
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        child.on('exit', (code) => resolve(code ?? 1));
      }),
  );
  assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
  const db = await openDatabase(loadConfig({}, { dataDir: dir }));
  assert.equal(
    (await db.kysely.introspection.getTables()).filter((t) => t.name === 'jobs').length,
    1,
  );
  await db.close();
});
