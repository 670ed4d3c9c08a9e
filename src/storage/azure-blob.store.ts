/**
 * BlobStore on the Azure Blob protocol: real Azure and Azurite alike. SAS URLs are signed
 * with the account key from the connection string and scoped to exactly one blob.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  type ContainerClient,
} from '@azure/storage-blob';
import { rebaseUrl } from './public-url.ts';
import type {
  BlobProperties,
  BlobStore,
  BlobType,
  SasPermission,
  SignedUrlOptions,
} from './index.ts';

/** Block size for uploads we make ourselves (outputs). */
const BLOCK_SIZE = 8 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

const permissions: Record<SasPermission, string> = { upload: 'cw', read: 'r' };

function isNotFound(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 404;
}

export interface AzureBlobStoreOptions {
  /**
   * Base URL that SAS URLs handed out carry instead of the connection string's endpoint
   * (e.g. http://veil.example:10000/devstoreaccount1); the store itself keeps using the
   * endpoint. Unset: SAS URLs use the endpoint.
   */
  publicUrl?: string;
}

export class AzureBlobStore implements BlobStore {
  private readonly container: ContainerClient;
  private readonly service: BlobServiceClient;
  private readonly publicUrl?: string;

  constructor(connectionString: string, containerName: string, opts: AzureBlobStoreOptions = {}) {
    if (!/(^|;)\s*AccountKey=/i.test(connectionString)) {
      // SAS URLs are signed with the account key; a SAS-only connection string cannot sign.
      throw new Error('AZURE_STORAGE_CONNECTION_STRING must include AccountKey=');
    }
    // Shorter back-off than the SDK's default (4 s base): a local emulator or a nearby
    // account recovers fast, and readiness checks must not hang for half a minute.
    this.service = BlobServiceClient.fromConnectionString(connectionString, {
      retryOptions: { maxTries: 4, retryDelayInMs: 250, maxRetryDelayInMs: 4000 },
    });
    this.container = this.service.getContainerClient(containerName);
    this.publicUrl = opts.publicUrl;
  }

  async ensureReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.container.createIfNotExists();
        return;
      } catch (err) {
        // Only connection failures are worth waiting for; auth/config errors are final.
        if (err instanceof RestError && err.statusCode !== undefined) throw err;
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async put(key: string, body: Readable | Buffer, opts: { contentType?: string } = {}) {
    const blob = this.container.getBlockBlobClient(key);
    const blobHTTPHeaders = { blobContentType: opts.contentType };
    if (Buffer.isBuffer(body)) {
      await blob.upload(body, body.length, { blobHTTPHeaders });
    } else {
      await blob.uploadStream(body, BLOCK_SIZE, UPLOAD_CONCURRENCY, { blobHTTPHeaders });
    }
  }

  async putFile(key: string, path: string, opts: { contentType?: string } = {}) {
    // Streamed in blocks: memory stays flat for multi-GB outputs.
    await this.put(key, createReadStream(path), opts);
  }

  async getStream(key: string): Promise<Readable> {
    const res = await this.container.getBlobClient(key).download();
    const body = res.readableStreamBody;
    if (!body) throw new Error(`Blob ${key} has no body`);
    return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Buffer>);
  }

  async downloadToFile(key: string, path: string): Promise<void> {
    await this.container.getBlobClient(key).downloadToFile(path);
  }

  async stat(key: string): Promise<BlobProperties | null> {
    try {
      const p = await this.container.getBlobClient(key).getProperties();
      return {
        size: p.contentLength ?? 0,
        blobType: (p.blobType ?? 'BlockBlob') as BlobType,
        contentType: p.contentType,
        lastModified: p.lastModified ?? new Date(0),
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<boolean> {
    const res = await this.container.getBlobClient(key).deleteIfExists({
      deleteSnapshots: 'include',
    });
    return res.succeeded;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    const results = await Promise.all(keys.map((key) => this.delete(key)));
    return results.filter(Boolean).length;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix })) keys.push(item.name);
    return keys;
  }

  async signedUrl(
    key: string,
    permission: SasPermission,
    expiresAt: Date,
    opts: SignedUrlOptions = {},
  ): Promise<string> {
    const blob = this.container.getBlobClient(key);
    const url = await blob.generateSasUrl({
      permissions: BlobSASPermissions.parse(permissions[permission]),
      expiresOn: expiresAt,
      contentDisposition: opts.downloadName
        ? `attachment; filename*=UTF-8''${encodeURIComponent(opts.downloadName)}`
        : undefined,
    });
    return this.publicUrl ? rebaseUrl(url, this.service.url, this.publicUrl) : url;
  }

  /**
   * Lets browsers (the web page) PUT to upload SAS URLs and GET download links from any
   * origin. Only for the embedded emulator: a real account's CORS is its owner's choice.
   */
  async allowBrowserAccess(): Promise<void> {
    const rule = {
      allowedOrigins: '*',
      allowedMethods: 'GET,HEAD,PUT,OPTIONS',
      allowedHeaders: '*',
      exposedHeaders: '*',
      maxAgeInSeconds: 3600,
    };
    await this.service.setProperties({ cors: [rule] });
  }

  async ping(): Promise<void> {
    await this.container.getProperties();
  }

  async close(): Promise<void> {
    // The SDK holds no connections that need closing.
  }
}
