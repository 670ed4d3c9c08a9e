/**
 * BlobStore port: where uploads and outputs live. Speaks our types only; the Azure adapter
 * (`azure-blob.store.ts`, used for Azurite and real Azure alike) converts.
 */
import type { Readable } from 'node:stream';

export type BlobType = 'BlockBlob' | 'AppendBlob' | 'PageBlob';

export interface BlobProperties {
  size: number;
  blobType: BlobType;
  contentType?: string;
  lastModified: Date;
}

/** `upload`: create + write that one blob (sp=cw). `read`: read that one blob (sp=r). */
export type SasPermission = 'upload' | 'read';

export interface SignedUrlOptions {
  /** Sets Content-Disposition on download so browsers save under this name. */
  downloadName?: string;
}

export interface BlobStore {
  /** Creates the container if needed; resolves once the service answers. */
  ensureReady(): Promise<void>;
  put(key: string, body: Readable | Buffer, opts?: { contentType?: string }): Promise<void>;
  putFile(key: string, path: string, opts?: { contentType?: string }): Promise<void>;
  getStream(key: string): Promise<Readable>;
  downloadToFile(key: string, path: string): Promise<void>;
  /** Committed blob properties, or null when the blob does not exist (yet). */
  stat(key: string): Promise<BlobProperties | null>;
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>;
  /** Deletes every blob whose key starts with prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<string[]>;
  /** A SAS URL scoped to exactly this blob, least permission, expiring at `expiresAt`. */
  signedUrl(
    key: string,
    permission: SasPermission,
    expiresAt: Date,
    opts?: SignedUrlOptions,
  ): Promise<string>;
  /** Throws when the service cannot be reached (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
