/**
 * The one migration set for SQLite and PostgreSQL. Only portable types and constraints here;
 * never edit a shipped migration, add a new one. Statements are idempotent (`if not exists`)
 * because SQLite runs DDL outside a migration transaction and two processes may race.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('api_keys')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('webhook_secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('jobs')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('file_size', 'bigint')
      .addColumn('content_type', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('model_config', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('status_description', 'text', (c) => c.notNull())
      .addColumn('media_kind', 'text')
      .addColumn('cost', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('input_key', 'text', (c) => c.notNull())
      .addColumn('archive_output_key', 'text')
      .addColumn('upload_kind', 'text', (c) => c.notNull())
      .addColumn('approved_by', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_checked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('approved_at', 'text')
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema
      .createIndex('jobs_key_status')
      .ifNotExists()
      .on('jobs')
      .columns(['key_id', 'status'])
      .execute();
    await db.schema
      .createIndex('jobs_status')
      .ifNotExists()
      .on('jobs')
      .columns(['status', 'last_checked_at'])
      .execute();

    await db.schema
      .createTable('credit_entries')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount', 'integer', (c) => c.notNull())
      // A job is charged at most once: enforced here, not only in code.
      .addColumn('job_id', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('credit_entries_key')
      .ifNotExists()
      .on('credit_entries')
      .column('key_id')
      .execute();

    await db.schema
      .createTable('tasks')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('cost', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('progress_done', 'integer')
      .addColumn('progress_total', 'integer')
      .addColumn('output_key', 'text')
      .addColumn('detections_key', 'text')
      .addColumn('faces', 'integer')
      .addColumn('plates', 'integer')
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('duration_seconds', 'real')
      .addColumn('error', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('tasks_job_seq', ['job_id', 'seq'])
      .execute();

    await db.schema
      .createTable('webhooks')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('webhooks_job_url', ['job_id', 'url'])
      .execute();

    await db.schema
      .createTable('queue_jobs')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('dedupe_id', 'text', (c) => c.unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('backoff_ms', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('lease_token', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('queue_jobs_claim')
      .ifNotExists()
      .on('queue_jobs')
      .columns(['name', 'status', 'run_at'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['queue_jobs', 'webhooks', 'tasks', 'credit_entries', 'jobs', 'api_keys']) {
      await sql`drop table if exists ${sql.table(table)}`.execute(db);
    }
  },
};

/** Segments of long videos processed in parallel (see src/worker/README.md). */
const taskSegments: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('task_segments')
      .ifNotExists()
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('input_key', 'text', (c) => c.notNull())
      .addColumn('source_key', 'text', (c) => c.notNull())
      .addColumn('first_frame', 'integer', (c) => c.notNull())
      .addColumn('warm_frames', 'integer', (c) => c.notNull())
      .addColumn('frames', 'integer', (c) => c.notNull())
      .addColumn('frames_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('output_key', 'text')
      .addColumn('detections_key', 'text')
      .addColumn('faces', 'integer')
      .addColumn('plates', 'integer')
      .addColumn('error', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('task_segments_pk', ['task_id', 'seq'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists task_segments`.execute(db);
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { '2026-11-25-initial': initial, '2026-11-26-task-segments': taskSegments };
  },
};
