/** `veil serve`: the API, workers and embedded services in one process (per --role). */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { VeilHandle } from '../app.ts';
import { ConfigError, loadConfig, parseRole, type VeilConfig } from '../config.ts';

const DEMO_KEY_FILE = 'demo-key.txt';

/** Remembers the demo token (owner-only file) so later starts can show it again. */
async function demoKeyToShow(config: VeilConfig, created?: string): Promise<string | undefined> {
  const file = path.join(config.dataDir, DEMO_KEY_FILE);
  if (created) {
    await writeFile(file, `${created}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return created;
  }
  return (await readFile(file, 'utf8').catch(() => ''))?.trim() || undefined;
}

export function banner(config: VeilConfig, url: string, blobEndpoint: string, key?: string) {
  const lines = [`Veil is running (role: ${config.role}, data: ${config.dataDir})`];
  if (url) lines.push(`  API:   ${url}`, `  Docs:  ${url}/docs`);
  lines.push(`  Blobs: ${blobEndpoint}`);
  if (url && key) {
    lines.push(
      '',
      `access_token: ${key}`,
      '',
      'Try it:',
      `  curl -L -T photo.jpg -H 'x-ms-blob-type: BlockBlob' -H 'access_token: ${key}' \\`,
      `    '${url}/direct_upload/photo.jpg?model=blur&enable_lp=True&blur_threshold=0.5'`,
      `  curl -X POST -H 'access_token: ${key}' ${url}/approve_job/<job_id>`,
      `  curl -H 'access_token: ${key}' ${url}/get_job_result/<job_id>`,
    );
  }
  return lines.join('\n');
}

async function serve(opts: { role?: string; port?: string }): Promise<void> {
  let config: VeilConfig;
  try {
    const overrides: Partial<VeilConfig> = {};
    if (opts.role) overrides.role = parseRole(opts.role, '--role');
    if (opts.port !== undefined) {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError(`--port must be an integer 0..65535, got "${opts.port}"`);
      }
      overrides.port = port;
    }
    config = loadConfig(process.env, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`veil serve: ${err.message}`);
    process.exit(2);
  }
  // Signals are taken from the start, so a Ctrl-C during startup still stops Azurite.
  const running: { veil?: VeilHandle } = {};
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.error(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`${signal}: stopping Veil...`);
    // Before startup finished: the start below sees `stopping` and stops what it built.
    running.veil?.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  // Loaded here so `veil anonymize` never pays for the server's modules.
  const { startVeil } = await import('../app.ts');
  let veil: VeilHandle;
  try {
    veil = await startVeil(config);
  } catch (err) {
    // Startup errors users can act on (a port in use, a bad connection string): no stack.
    console.error(`veil serve: could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  running.veil = veil;
  if (stopping) {
    await veil.stop();
    process.exit(0);
  }
  const key = await demoKeyToShow(config, veil.demoKey);
  console.log(banner(config, veil.url, veil.blobEndpoint, key));
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the API, workers, and embedded SQLite/Azurite (npm start)')
    .option('--role <role>', 'all, api or worker (default VEIL_ROLE or all)')
    .option('--port <port>', 'API port (default PORT or 8080)')
    .action(serve);
}
