/** PostgreSQL through node-postgres: the scaled-out database (DATABASE_URL). */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';

// int8 (counts, sums, bigint columns) arrives as text by default; our values fit a double.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric (sum over integer columns in some plans) likewise.
pg.types.setTypeParser(1700, (v) => Number(v));

export function openPostgres(url: string): Kysely<DB> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
