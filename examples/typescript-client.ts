/**
 * The whole Syntonym flow with Veil's TypeScript SDK (packages/client): `anonymize` uploads in
 * blocks, waits until costed, approves and polls until done; then download and delete.
 *
 *   VEIL_URL=http://localhost:8080 VEIL_KEY=<key> npx tsx examples/typescript-client.ts photo.jpg [out-dir]
 */
import { VeilClient } from '../packages/client/src/index.ts';

const [file, out = 'out'] = process.argv.slice(2);
const apiKey = process.env.VEIL_KEY;
if (!file || !apiKey) {
  console.error('usage: VEIL_URL=... VEIL_KEY=... typescript-client.ts <file> [out-dir]');
  process.exit(2);
}

const veil = new VeilClient({ baseUrl: process.env.VEIL_URL ?? 'http://localhost:8080', apiKey });
const job = await veil.anonymize(file, {
  model: 'blur',
  enableLp: true,
  onProgress: (e) => console.log(JSON.stringify(e)),
});
console.log(`job ${job.id} done`);
for (const written of await job.download(out)) console.log(`wrote ${written}`);
await job.delete();
console.log(`deleted ${job.id}`);
