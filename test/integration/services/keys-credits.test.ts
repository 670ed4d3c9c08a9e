import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isVeilError } from '../../../src/errors.ts';
import { hashToken } from '../../../src/services/keys.service.ts';
import { startHarness, type Harness } from './harness.ts';

describe('keys and credits on a real SQLite file', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('creates a key whose token authenticates and is stored only as a hash', async () => {
    const sut = h.services.keys;
    const key = await sut.create({ name: 'alice', credits: 25 });
    assert.deepEqual(await sut.authenticate(key.token), { keyId: key.keyId, name: 'alice' });
    assert.equal(await sut.authenticate(`${key.token}x`), null);
    assert.equal(await sut.authenticate(''), null);
    const row = await h.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.keyId)
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, hashToken(key.token));
    assert.ok(!JSON.stringify(row).includes(key.token), 'the token is not stored');
    assert.equal(await sut.webhookSecret(key.keyId), key.webhookSecret);
  });

  it('adds credits through the ledger and lists keys with balances', async () => {
    const sut = h.services.keys;
    const key = await sut.create({ name: 'bob', credits: 10 });
    assert.equal(await sut.addCredits(key.keyId, 5), 15);
    assert.equal(await sut.balance(key.keyId), 15);
    const listed = (await sut.list()).find((k) => k.keyId === key.keyId);
    assert.equal(listed?.balance, 15);
    assert.equal(listed?.name, 'bob');
    await assert.rejects(sut.addCredits(key.keyId, -3), (e) => isVeilError(e, 'VALIDATION'));
    await assert.rejects(sut.addCredits('no-such-key', 3), (e) => isVeilError(e, 'VALIDATION'));
    const entries = await h.db.kysely
      .selectFrom('credit_entries')
      .selectAll()
      .where('key_id', '=', key.keyId)
      .execute();
    assert.deepEqual(entries.map((e) => [e.kind, e.amount]).sort(), [
      ['grant', 10],
      ['grant', 5],
    ]);
  });

  it('creates the demo key only on an empty database', async () => {
    const fresh = await startHarness();
    try {
      const token = await fresh.services.keys.ensureDemoKey(1000);
      assert.ok(token);
      const who = await fresh.services.keys.authenticate(token);
      assert.equal(await fresh.services.keys.balance(who!.keyId), 1000);
      assert.equal(await fresh.services.keys.ensureDemoKey(1000), null);
      assert.equal((await fresh.services.keys.list()).length, 1);
    } finally {
      await fresh.close();
    }
  });
});
