/**
 * Credit ledger queries. The ledger is append-only: grants are positive entries, charges
 * negative ones with a unique job id. Available credits subtract the costs of jobs that are
 * approved but not finished, so approvals cannot promise the same credits twice.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { JobStatus } from './types.ts';

export async function ledgerBalance(db: Kysely<DB>, keyId: string): Promise<number> {
  const row = await db
    .selectFrom('credit_entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('balance'))
    .where('key_id', '=', keyId)
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}

export async function reservedCredits(db: Kysely<DB>, keyId: string): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('cost'), eb.lit(0)).as('reserved'))
    .where('key_id', '=', keyId)
    .where('status', 'in', [JobStatus.QUEUED, JobStatus.PROCESSING])
    .executeTakeFirstOrThrow();
  return Number(row.reserved);
}

export async function availableCredits(db: Kysely<DB>, keyId: string): Promise<number> {
  return (await ledgerBalance(db, keyId)) - (await reservedCredits(db, keyId));
}

/**
 * Serialises credit decisions of one key: a write to its row takes PostgreSQL's row lock
 * and SQLite's write lock, so reads after it in the same transaction see every earlier
 * approval or charge. Must be the first statement of the transaction.
 */
export async function lockKey(trx: Kysely<DB>, keyId: string): Promise<void> {
  await trx
    .updateTable('api_keys')
    .set((eb) => ({ name: eb.ref('name') }))
    .where('id', '=', keyId)
    .execute();
}
