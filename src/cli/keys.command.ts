/**
 * `veil keys`: manage API keys in the configured database (no server needed).
 * `create` prints the token alone on stdout's first line, so scripts can take `head -1`.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import { isVeilError } from '../errors.ts';
import type { KeysService } from '../services/keys.service.ts';

function wholeNumber(raw: string, what: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw new ConfigError(`${what} must be a whole number >= 0, got "${raw}"`);
  }
  return n;
}

async function withKeys(fn: (keys: KeysService) => Promise<void>): Promise<void> {
  let db: Database | undefined;
  try {
    // The database layer (Kysely, drivers) loads only for `veil keys`.
    const [{ openDatabase }, { createKeysService }] = await Promise.all([
      import('../db/index.ts'),
      import('../services/keys.service.ts'),
    ]);
    db = await openDatabase(loadConfig());
    await fn(createKeysService(db.kysely));
  } catch (err) {
    if (!(err instanceof ConfigError) && !isVeilError(err)) throw err;
    console.error(`veil keys: ${err.message}`);
    process.exitCode = 2;
  } finally {
    await db?.close();
  }
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage API keys and their credits');

  keys
    .command('create')
    .description('Create a key; prints the token, then its id and webhook secret')
    .option('--credits <n>', 'credits to grant', '0')
    .option('--name <name>', 'a name to recognise the key by', 'key')
    .action((opts: { credits: string; name: string }) =>
      withKeys(async (k) => {
        const credits = wholeNumber(opts.credits, '--credits');
        const key = await k.create({ name: opts.name, credits });
        process.stdout.write(
          `${key.token}\nkey_id: ${key.keyId}\nwebhook_secret: ${key.webhookSecret}\ncredits: ${credits}\n`,
        );
      }),
    );

  keys
    .command('add-credits <keyId> <credits>')
    .description('Grant credits to a key; prints the new balance')
    .action((keyId: string, credits: string) =>
      withKeys(async (k) => {
        const balance = await k.addCredits(keyId, wholeNumber(credits, 'credits'));
        process.stdout.write(`${balance}\n`);
      }),
    );

  keys
    .command('list')
    .description('List keys with their balances (tokens are stored hashed and never shown)')
    .action(() =>
      withKeys(async (k) => {
        for (const key of await k.list()) {
          process.stdout.write(`${key.keyId}\t${key.name}\t${key.balance}\t${key.createdAt}\n`);
        }
      }),
    );

  keys
    .command('secret <keyId>')
    .description("Print the key's webhook signing secret (HMAC-SHA256 key)")
    .action((keyId: string) =>
      withKeys(async (k) => {
        process.stdout.write(`${await k.webhookSecret(keyId)}\n`);
      }),
    );
}
