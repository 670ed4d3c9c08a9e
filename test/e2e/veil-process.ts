/**
 * Veil in a child process for crash tests: configured from the environment like `veil serve`,
 * with a short queue lease so a killed process's jobs are taken again quickly.
 */
import { pino } from 'pino';
import { startVeil } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const config = loadConfig(process.env, {
  host: '127.0.0.1',
  uploadPollMs: 100,
  webhookAllowPrivate: true,
});
const veil = await startVeil(config, {
  log: pino({ level: process.env.E2E_LOG ?? 'silent' }),
  queueLeaseMs: 2000,
  stopGraceMs: 1000,
});
process.stdout.write(`${JSON.stringify({ url: veil.url, demoKey: veil.demoKey ?? null })}\n`);
const stop = () => veil.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
