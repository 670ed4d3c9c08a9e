/**
 * Picks the blob storage adapter from configuration: embedded Azurite when no Azure
 * connection string is set (started by the `all`/`api` roles; a `worker` joins the one on
 * `config.azuritePort`), else the Azure account it names. SAS URLs carry
 * `config.publicBlobUrl` as their base when it is set.
 */
import path from 'node:path';
import type { VeilConfig } from '../config.ts';
import type { BlobStore } from './index.ts';
import { AzureBlobStore } from './azure-blob.store.ts';
import { AZURITE_ACCOUNT, azuriteConnectionString, startAzurite } from './azurite.runtime.ts';

export interface BlobStoreHandle {
  store: BlobStore;
  /** Blob service endpoint, for logs. */
  endpoint: string;
  stop(): Promise<void>;
}

export async function createBlobStore(config: VeilConfig): Promise<BlobStoreHandle> {
  // SAS URLs for clients may carry a public base; the store itself talks to the endpoint.
  const storeOpts = { publicUrl: config.publicBlobUrl };
  if (config.azureConnectionString) {
    const store = new AzureBlobStore(config.azureConnectionString, config.container, storeOpts);
    await store.ensureReady();
    const endpoint = /BlobEndpoint=([^;]+)/.exec(config.azureConnectionString)?.[1] ?? 'azure';
    return { store, endpoint, stop: () => store.close() };
  }
  if (config.role === 'worker') {
    // The API process owns the embedded emulator; a worker on the same machine joins it.
    const endpoint = `http://127.0.0.1:${config.azuritePort}/${AZURITE_ACCOUNT}`;
    const store = new AzureBlobStore(
      azuriteConnectionString(endpoint),
      config.container,
      storeOpts,
    );
    await store.ensureReady();
    return { store, endpoint, stop: () => store.close() };
  }
  const azurite = await startAzurite({
    location: path.join(config.dataDir, 'azurite'),
    port: config.azuritePort,
  });
  const store = new AzureBlobStore(azurite.connectionString, config.container, storeOpts);
  try {
    await store.ensureReady();
    await store.allowBrowserAccess();
  } catch (err) {
    await azurite.stop();
    throw err;
  }
  return {
    store,
    endpoint: azurite.blobEndpoint,
    stop: async () => {
      await store.close();
      await azurite.stop();
    },
  };
}
