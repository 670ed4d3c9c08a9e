/** Picks the JobQueue adapter from configuration: BullMQ when REDIS_URL is set (to come). */
import type { VeilConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import { DatabaseQueue, type QueueLog } from './database.queue.ts';
import type { JobQueue } from './index.ts';

export function createQueue(
  config: VeilConfig,
  db: Database,
  opts: { log?: QueueLog; leaseMs?: number; pollMs?: number } = {},
): JobQueue {
  if (config.redisUrl) {
    throw new Error('The BullMQ queue (REDIS_URL) is not supported yet: unset it');
  }
  return new DatabaseQueue(db.kysely, opts);
}
