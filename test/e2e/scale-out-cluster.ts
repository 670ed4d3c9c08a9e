/**
 * A scaled-out Veil on this machine, as it would run on many: a fresh PostgreSQL database,
 * Redis under a fresh key prefix, Azurite as a separate server reached by connection string
 * (as real Azure would be), and api / worker processes started separately.
 * Api processes are `bin/veil.js serve --role api`; workers run `veil-process.ts` (the same
 * `startVeil`, with a 2 s queue lease so a killed worker's job is taken again quickly).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { AzureBlobStore } from '../../src/storage/azure-blob.store.ts';
import { startAzurite, type AzuriteHandle } from '../../src/storage/azurite.runtime.ts';
import { dropRedisPrefix } from '../integration/queue/redis-server.ts';
import { canConnect, spawnVeil, until, type VeilChild } from './kit.ts';

export const PG_ADMIN = process.env.SCALE_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const reachable = (url: string) => {
  const { hostname, port } = new URL(url);
  return canConnect(Number(port), hostname);
};

/** Why the scaled-out services are missing, or null when PostgreSQL and Redis answer. */
export async function missingServices(): Promise<string | null> {
  if (!(await reachable(PG_ADMIN))) return `no PostgreSQL at ${PG_ADMIN}`;
  if (!(await reachable(REDIS_URL))) return `no Redis at ${REDIS_URL}`;
  return null;
}

export interface VeilProcess extends VeilChild {
  /** The API's base URL ('' for a worker). */
  url: string;
  /** The demo key, printed only by the api process that created it. */
  demoKey?: string;
  /** Ids of the jobs this worker logged as processed (`job processed` lines). */
  processed(): string[];
}

export interface Cluster {
  env: Record<string, string>;
  blobs: AzureBlobStore;
  databaseUrl: string;
  /** An api process; `port` pins its port (a restart keeps the URL). */
  startApi(opts?: { port?: number }): Promise<VeilProcess>;
  startWorker(): Promise<VeilProcess>;
  /** Runs one query on the cluster's database. */
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  /** Waits, reading the database (cheap for many jobs), until every job has one of `statuses`. */
  waitStatuses(jobIds: string[], statuses: number[], ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const dir = await mkdtemp(path.join(tmpdir(), 'veil-scale-'));
  const database = `veil_scale_${id}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: dbUrl.href, max: 2 });
  const azurite: AzuriteHandle = await startAzurite({
    location: path.join(dir, 'azurite'),
    port: 0,
  });
  const prefix = `veil-scale-${id}`;
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl.href,
    REDIS_URL,
    VEIL_REDIS_PREFIX: prefix,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    VEIL_CONTAINER: 'veil',
    VEIL_UPLOAD_POLL_MS: '150',
    VEIL_DEMO_CREDITS: '1000',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const children: VeilChild[] = [];
  let n = 0;
  const spawn = async (args: string[], more: Record<string, string>, ready: RegExp) => {
    // Each process has its own scratch dir, as on separate machines.
    const scratch = { VEIL_DATA_DIR: path.join(dir, `p${n++}`) };
    const veil = await spawnVeil(args, { ...env, ...scratch, ...more }, (o) => ready.test(o));
    children.push(veil);
    const processed = () =>
      veil
        .output()
        .split('\n')
        .filter((l) => l.includes('"job processed"'))
        .map((l) => (JSON.parse(l) as { jobId: string }).jobId);
    return { ...veil, processed };
  };
  const query = async <T extends pg.QueryResultRow>(sql: string, values?: unknown[]) =>
    (await pool.query<T>(sql, values)).rows;

  return {
    env,
    databaseUrl: dbUrl.href,
    blobs: new AzureBlobStore(azurite.connectionString, 'veil'),
    async startApi({ port = 0 } = {}) {
      const args = ['bin/veil.js', 'serve', '--role', 'api', '--port', String(port)];
      const api = await spawn(args, { VEIL_HOST: '127.0.0.1' }, /API:\s+\S+/);
      const out = api.output();
      const url = /API:\s+(\S+)/.exec(out)![1];
      return { ...api, url, demoKey: /access_token: (\S+)/.exec(out)?.[1] };
    },
    async startWorker() {
      const args = ['--import', 'tsx', 'test/e2e/veil-process.ts'];
      const worker = await spawn(args, { VEIL_ROLE: 'worker', E2E_LOG: 'info' }, /"demoKey":/);
      return { ...worker, url: '' };
    },
    query,
    async waitStatuses(jobIds, statuses, ms) {
      let stuck: Array<{ id: string; status: number; status_description: string }> = [];
      await until(
        () => `${stuck.length} jobs not in ${statuses}, e.g. ${JSON.stringify(stuck[0])}`,
        async () => {
          const rows = await query<{ id: string; status: number; status_description: string }>(
            'select id, status, status_description from jobs where id = any($1)',
            [jobIds],
          );
          stuck = rows.filter((r) => !statuses.includes(r.status));
          return rows.length === jobIds.length && stuck.length === 0 ? true : undefined;
        },
        ms,
        200,
      );
    },
    async stop() {
      await Promise.all(children.map((c) => c.kill('SIGKILL')));
      await pool.end();
      await azurite.stop();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
      await dropRedisPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
