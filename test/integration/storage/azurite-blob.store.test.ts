import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AzureBlobStore } from '../../../src/storage/azure-blob.store.ts';
import { startAzurite } from '../../../src/storage/azurite.runtime.ts';
import { runBlobStoreConformance } from './blob-store.conformance.ts';

runBlobStoreConformance('Azure adapter on embedded Azurite', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'veil-azurite-'));
  const azurite = await startAzurite({ location: dir, port: 0 });
  return {
    store: new AzureBlobStore(azurite.connectionString, 'conformance'),
    stop: async () => {
      await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// The same suite against a real Azure account when one is given (never in CI by default).
const azure = process.env.VEIL_TEST_AZURE_CONNECTION_STRING;
if (azure) {
  runBlobStoreConformance('Azure adapter on a real Azure account', async () => ({
    store: new AzureBlobStore(azure, 'veil-conformance'),
    stop: async () => undefined,
  }));
}
