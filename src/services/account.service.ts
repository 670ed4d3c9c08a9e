/** What a key may read about itself: its credits (ledger) and its jobs, page by page. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { VeilError } from '../errors.ts';
import { availableCredits, ledgerBalance } from './credits.ts';
import {
  jobStatusDescriptions,
  type AccountApi,
  type JobStatusCode,
  type JobSummary,
} from './types.ts';

/** A cursor names the last job of a page by (created_at, id), the order of the listing. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !id || rest.length || Number.isNaN(Date.parse(createdAt))) {
    throw new VeilError('VALIDATION', 'cursor: is not a cursor returned by GET /jobs');
  }
  return { createdAt, id };
}

export function createAccountService(db: Kysely<DB>): AccountApi {
  return {
    async credits(who, { limit }) {
      const entries = await db
        .selectFrom('credit_entries')
        .select(['kind', 'amount', 'job_id', 'created_at'])
        .where('key_id', '=', who.keyId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return {
        balance: await ledgerBalance(db, who.keyId),
        available: await availableCredits(db, who.keyId),
        entries: entries.map((e) => ({ ...e, amount: Number(e.amount) })),
      };
    },

    async listJobs(who, { limit, cursor }) {
      let query = db
        .selectFrom('jobs')
        .select(['id', 'status', 'status_description', 'cost', 'file_name', 'model', 'created_at'])
        .where('key_id', '=', who.keyId);
      if (cursor) {
        const after = decodeCursor(cursor);
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
          ]),
        );
      }
      // One row more than asked tells whether another page exists.
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const jobs = page.map((r): JobSummary => ({
        job_id: r.id,
        job_status: r.status as JobStatusCode,
        job_status_description:
          r.status_description || jobStatusDescriptions[r.status as JobStatusCode],
        job_total_credit_cost: r.cost,
        file_name: r.file_name,
        model: r.model,
        created_at: r.created_at,
      }));
      const last = page.at(-1);
      const more = rows.length > limit && last;
      return { jobs, next_cursor: more ? encodeCursor(last.created_at, last.id) : null };
    },
  };
}
