/** @veil/client: a typed client for Veil and any server speaking the Syntonym Public API 0.6.0. */
export { VeilClient } from './veil-client.ts';
export type {
  AnonymizeOptions,
  FileInput,
  ProgressEvent,
  VeilClientOptions,
} from './veil-client.ts';
export { VeilJob } from './veil-job.ts';
export type { JobProgress, WaitOptions } from './veil-job.ts';
export { ApiError, JobFailedError, describeDetail } from './errors.ts';
export { uploadBlocks, uploadSingle, blockId, DEFAULT_BLOCK_SIZE } from './block-upload.ts';
export type { BlockUploadOptions, UploadProgress } from './block-upload.ts';
export { toModelConfig } from './options.ts';
export type { ModelOptions } from './options.ts';
export type { RetryOptions } from './retry.ts';
export * from './types.ts';
