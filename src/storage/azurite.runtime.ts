/**
 * Embedded Azurite: Microsoft's Azure Storage emulator (the `azurite` npm package), run as a
 * child process so Veil needs no setup. Only the blob service is started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Folder for Azurite's data (blobs and its metadata database). */
  location: string;
  /** 0 picks a free port; the one Azurite reports is used. */
  port: number;
  host?: string;
  /** How long to wait for the service to answer (default 30 s). */
  startTimeoutMs?: number;
}

export interface AzuriteHandle {
  /** e.g. http://127.0.0.1:10000/devstoreaccount1 */
  blobEndpoint: string;
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

function azuriteBlobEntry(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

/**
 * Runs Azurite's blob entry in a process that also watches its stdin: when Veil dies in any
 * way (even SIGKILL) the pipe closes and the emulator shuts down instead of keeping the port.
 * On SIGTERM the watch ends, so the process exits once Azurite has closed its server and saved
 * its metadata (an open stdin would keep it alive until stop() kills it 5 s later). A SIGTERM
 * before Azurite took the signal over (still starting) ends the process as it would by default.
 */
const WATCH_PARENT = `
const entry = process.argv[1];
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
process.once('SIGTERM', () => {
  process.stdin.destroy();
  if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
});
require(entry);
`;

export function azuriteConnectionString(blobEndpoint: string): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};` +
    `AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`
  );
}

/** Resolves with the port once Azurite prints that it listens; rejects if it exits first. */
function waitListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${timeoutMs} ms: ${output.trim()}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listens on https?:\/\/[^\s:]+:(\d+)/.exec(output);
      if (match) done(Number(match[1]));
    };
    const onExit = (code: number | null) =>
      fail(new Error(`Azurite exited (code ${code}) before listening: ${output.trim()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    const done = (port: number) => {
      cleanup();
      resolve(port);
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startAzurite(opts: AzuriteOptions): Promise<AzuriteHandle> {
  const host = opts.host ?? '127.0.0.1';
  await mkdir(opts.location, { recursive: true });
  const args = [
    '-e',
    WATCH_PARENT,
    azuriteBlobEntry(),
    '--location',
    opts.location,
    '--blobHost',
    host,
    '--blobPort',
    String(opts.port),
    '--skipApiVersionCheck',
    // The account always comes from the path: a public host name with dots in front of the
    // emulator (VEIL_PUBLIC_BLOB_URL) must not be read as <account>.<domain>.
    '--disableProductStyleUrl',
    '--disableTelemetry',
    '--silent',
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // A crashed parent must not leave an orphan emulator holding the port.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let port: number;
  try {
    port = await waitListening(child, opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    throw err;
  }
  // Keep draining its output so a full pipe never blocks it.
  child.stdout?.resume();
  child.stderr?.resume();

  const blobEndpoint = `http://${host}:${port}/${AZURITE_ACCOUNT}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  };
  return { blobEndpoint, connectionString: azuriteConnectionString(blobEndpoint), port, stop };
}
