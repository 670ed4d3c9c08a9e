/** API keys: tokens stored as SHA-256 hashes, credits granted through the ledger. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { VeilError } from '../errors.ts';
import { availableCredits, ledgerBalance } from './credits.ts';
import type { KeysApi, Principal } from './types.ts';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CreatedKey {
  keyId: string;
  token: string;
  /** HMAC-SHA256 key of this key's webhook signatures. */
  webhookSecret: string;
}

export interface KeysService extends KeysApi {
  create(input: { name: string; credits: number }): Promise<CreatedKey>;
  /** Creates a demo key on an empty database; returns its token, or null if keys exist. */
  ensureDemoKey(credits: number): Promise<string | null>;
  /** Balance minus the costs of approved, unfinished jobs. */
  available(keyId: string): Promise<number>;
  webhookSecret(keyId: string): Promise<string>;
}

export function createKeysService(db: Kysely<DB>): KeysService {
  const now = () => new Date().toISOString();

  async function grant(trx: Kysely<DB>, keyId: string, credits: number) {
    if (!Number.isInteger(credits) || credits < 0) {
      throw new VeilError('VALIDATION', 'credits must be a whole number >= 0');
    }
    if (credits === 0) return;
    await trx
      .insertInto('credit_entries')
      .values({
        id: randomUUID(),
        key_id: keyId,
        kind: 'grant',
        amount: credits,
        job_id: null,
        created_at: now(),
      })
      .execute();
  }

  async function create(input: { name: string; credits: number }): Promise<CreatedKey> {
    const key: CreatedKey = {
      keyId: randomUUID(),
      token: `veil_${randomBytes(24).toString('base64url')}`,
      webhookSecret: randomBytes(32).toString('hex'),
    };
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('api_keys')
        .values({
          id: key.keyId,
          name: input.name,
          token_hash: hashToken(key.token),
          webhook_secret: key.webhookSecret,
          created_at: now(),
        })
        .execute();
      await grant(trx, key.keyId, input.credits);
    });
    return key;
  }

  async function requireKey(keyId: string) {
    const row = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', keyId)
      .executeTakeFirst();
    if (!row) throw new VeilError('VALIDATION', `unknown key ${keyId}`);
    return row;
  }

  return {
    async authenticate(token: string): Promise<Principal | null> {
      if (!token) return null;
      const row = await db
        .selectFrom('api_keys')
        .select(['id', 'name'])
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
      return row ? { keyId: row.id, name: row.name } : null;
    },
    create,
    async addCredits(keyId, credits) {
      await requireKey(keyId);
      await grant(db, keyId, credits);
      return ledgerBalance(db, keyId);
    },
    balance: (keyId) => ledgerBalance(db, keyId),
    available: (keyId) => availableCredits(db, keyId),
    async list() {
      const rows = await db
        .selectFrom('api_keys')
        .leftJoin('credit_entries', 'credit_entries.key_id', 'api_keys.id')
        .select((eb) => [
          'api_keys.id',
          'api_keys.name',
          'api_keys.created_at',
          eb.fn.coalesce(eb.fn.sum<number>('credit_entries.amount'), eb.lit(0)).as('balance'),
        ])
        .groupBy(['api_keys.id', 'api_keys.name', 'api_keys.created_at'])
        .orderBy('api_keys.created_at')
        .execute();
      return rows.map((r) => ({
        keyId: r.id,
        name: r.name,
        balance: Number(r.balance),
        createdAt: r.created_at,
      }));
    },
    async ensureDemoKey(credits) {
      const any = await db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
      if (any) return null;
      return (await create({ name: 'demo', credits })).token;
    },
    async webhookSecret(keyId) {
      return (await requireKey(keyId)).webhook_secret;
    },
  };
}
