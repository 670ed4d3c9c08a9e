/**
 * A scaled-out Veil on this machine, as it would run on many: a fresh PostgreSQL database,
 * Redis under a fresh key prefix, Azurite as a separate server reached by connection string
 * (as real Azure would be), and api / worker processes started separately.
 * Api processes are `bin/veil.js serve --role api`; workers run `veil-process.ts` (the same
 * `startVeil`, with a 2 s queue lease so a killed worker's job is taken again quickly).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { AzureBlobStore } from '../../src/storage/azure-blob.store.ts';
import { startAzurite, type AzuriteHandle } from '../../src/storage/azurite.runtime.ts';
import type { JobReport } from '../../src/services/types.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PG_ADMIN = process.env.SCALE_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const reachable = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Why the scaled-out services are missing, or null when PostgreSQL and Redis answer. */
export async function missingServices(): Promise<string | null> {
  if (!(await reachable(PG_ADMIN))) return `no PostgreSQL at ${PG_ADMIN}`;
  if (!(await reachable(REDIS_URL))) return `no Redis at ${REDIS_URL}`;
  return null;
}

export interface VeilProcess {
  child: ChildProcess;
  url: string;
  demoKey?: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** Its stdout so far (workers log at info: one `job processed` line per job). */
  output(): string;
}

export interface Cluster {
  env: Record<string, string>;
  blobs: AzureBlobStore;
  databaseUrl: string;
  startApi(): Promise<VeilProcess>;
  startWorker(): Promise<VeilProcess>;
  /** Runs one query on the cluster's database. */
  query<T extends pg.QueryResultRow>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** Collects stdout; resolves with it once `match` holds. */
function watch(child: ChildProcess, match: (out: string) => boolean) {
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (match(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`Veil exited ${code}: ${out}`)));
  });
  return { ready, output: () => out };
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
    VEIL_UPLOAD_POLL_MS: '100',
    VEIL_DEMO_CREDITS: '1000',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const children: ChildProcess[] = [];
  let n = 0;
  const spawnVeil = (args: string[], more: Record<string, string>) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      // Each process has its own scratch dir, as on separate machines.
      env: { ...process.env, ...env, VEIL_DATA_DIR: path.join(dir, `p${n++}`), ...more },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited };
  };

  return {
    env,
    databaseUrl: dbUrl.href,
    blobs: new AzureBlobStore(azurite.connectionString, 'veil'),
    async startApi() {
      const { child, exited } = spawnVeil(
        ['bin/veil.js', 'serve', '--role', 'api', '--port', '0'],
        { VEIL_HOST: '127.0.0.1' },
      );
      const { ready, output } = watch(child, (o) => /API:\s+\S+/.test(o));
      const out = await ready;
      const url = /API:\s+(\S+)/.exec(out)![1];
      return { child, exited, output, url, demoKey: /access_token: (\S+)/.exec(out)?.[1] };
    },
    async startWorker() {
      const { child, exited } = spawnVeil(['--import', 'tsx', 'test/e2e/veil-process.ts'], {
        VEIL_ROLE: 'worker',
        E2E_LOG: 'info',
      });
      const { ready, output } = watch(child, (o) => o.includes('\n'));
      await ready;
      return { child, exited, output, url: '' };
    },
    query: async (sql) => (await pool.query(sql)).rows,
    async stop() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await Promise.all(
        children.map((c) =>
          c.exitCode === null && c.signalCode === null
            ? new Promise((r) => c.once('exit', r))
            : null,
        ),
      );
      await pool.end();
      await azurite.stop();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
      const redis = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Direct upload with the real curl (307 to the SAS URL, then the bytes to blob storage). */
export async function directUpload(url: string, key: string, file: string, name: string) {
  const { stdout } = await run('curl', [
    '-sS',
    '-L',
    '-T',
    file,
    '-H',
    'x-ms-blob-type: BlockBlob',
    '-H',
    `access_token: ${key}`,
    '-D',
    '-',
    '-o',
    '/dev/null',
    `${url}/direct_upload/${encodeURIComponent(name)}?model=blur`,
  ]);
  const match = /^job_id: (\S+)\r?$/m.exec(stdout);
  if (!match) throw new Error(`no job id in ${stdout}`);
  return match[1];
}

export async function report(url: string, key: string, jobId: string): Promise<JobReport> {
  const res = await fetch(`${url}/get_job_result/${jobId}`, { headers: { access_token: key } });
  if (res.status !== 200) throw new Error(`get_job_result ${jobId}: ${res.status}`);
  return (await res.json()) as JobReport;
}

/** Polls until every job is in one of `statuses`; returns the reports in the same order. */
export async function waitAll(
  url: string,
  key: string,
  jobIds: string[],
  statuses: number[],
  timeoutMs: number,
): Promise<JobReport[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reports = await Promise.all(jobIds.map((id) => report(url, key, id)));
    if (reports.every((r) => statuses.includes(r.job_status))) return reports;
    if (Date.now() > deadline) {
      const stuck = reports.filter((r) => !statuses.includes(r.job_status));
      throw new Error(`${stuck.length} jobs not done: ${stuck[0].job_status_description}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
