import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { openDatabase } from '../../../src/db/index.ts';
import { createKeysService } from '../../../src/services/keys.service.ts';

const run = promisify(execFile);
const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-keys-cli-'));
after(() => rm(dataDir, { recursive: true, force: true }));
const bin = path.resolve(import.meta.dirname, '../../../bin/veil.js');
const veil = (...args: string[]) =>
  run(process.execPath, [bin, 'keys', ...args], {
    env: { ...process.env, VEIL_DATA_DIR: dataDir },
  });

it('creates a key that authenticates, adds credits and lists it, all from the command line', async () => {
  const created = await veil('create', '--credits', '12', '--name', 'ci');
  const [token, idLine, secretLine] = created.stdout.split('\n');
  assert.match(token, /^veil_[\w-]{20,}$/);
  const keyId = idLine.replace('key_id: ', '');
  assert.match(secretLine, /^webhook_secret: [0-9a-f]{64}$/);

  assert.equal((await veil('add-credits', keyId, '8')).stdout.trim(), '20');
  const listed = (await veil('list')).stdout.trim().split('\t');
  assert.deepEqual(listed.slice(0, 3), [keyId, 'ci', '20']);
  assert.ok(!(await veil('list')).stdout.includes(token), 'tokens are never listed');
  assert.equal((await veil('secret', keyId)).stdout.trim(), secretLine.split(' ')[1]);

  const db = await openDatabase(loadConfig({}, { dataDir }));
  try {
    assert.deepEqual(await createKeysService(db.kysely).authenticate(token), { keyId, name: 'ci' });
  } finally {
    await db.close();
  }
  await assert.rejects(
    veil('add-credits', keyId, 'lots'),
    (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /credits must be a whole number/);
      return true;
    },
  );
});
