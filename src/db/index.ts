/**
 * Database port: one Kysely query layer over SQLite (embedded) or PostgreSQL (DATABASE_URL),
 * with one migration set applied at open.
 */
import path from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import type { VeilConfig } from '../config.ts';
import { migrationProvider } from './migrations.ts';
import type { DB } from './schema.ts';
import { openPostgres } from './postgres.adapter.ts';
import { openSqlite } from './sqlite.adapter.ts';

export type { DB } from './schema.ts';

export interface Database {
  kysely: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

/** Applies pending migrations. Retried briefly: two processes may open a new file at once. */
export async function migrate(kysely: Kysely<DB>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(kysely);
    } catch (err) {
      // Another process migrating the same file at this moment: its work shows on a retry.
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

async function migrateOnce(kysely: Kysely<DB>): Promise<void> {
  const { error, results } = await new Migrator({
    db: kysely,
    provider: migrationProvider,
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration failed${failed ? ` at ${failed.migrationName}` : ''}`, {
      cause: error,
    });
  }
}

/** PostgreSQL when DATABASE_URL is set, else SQLite at `<dataDir>/veil.db`; runs migrations. */
export async function openDatabase(config: VeilConfig): Promise<Database> {
  const dialect = config.databaseUrl ? 'postgres' : 'sqlite';
  const kysely = config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openSqlite(path.join(config.dataDir, 'veil.db'));
  try {
    await migrate(kysely);
  } catch (err) {
    await kysely.destroy();
    throw err;
  }
  return { kysely, dialect, close: () => kysely.destroy() };
}
