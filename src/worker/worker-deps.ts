import type { VeilConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import type { JobQueue } from '../queue/index.ts';
import type { Logger, Services } from '../services/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { VideoSlots } from './video-slots.ts';

export interface WorkerDeps {
  config: VeilConfig;
  db: Database;
  store: BlobStore;
  queue: JobQueue;
  services: Services;
  log: Logger;
  /** How often housekeeping runs (default 60 s); tests shorten it. */
  housekeepingMs?: number;
  /** Videos at once in this process (default: config.workerVideos, made by startWorker). */
  videoSlots?: VideoSlots;
}
