/** Picks the JobQueue adapter from configuration: BullMQ when REDIS_URL is set. */
import type { VeilConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import { BullmqQueue } from './bullmq.adapter.ts';
import { DatabaseQueue, type QueueLog } from './database.queue.ts';
import type { JobQueue } from './index.ts';

export function createQueue(
  config: VeilConfig,
  db: Database,
  opts: { log?: QueueLog; leaseMs?: number; pollMs?: number } = {},
): JobQueue {
  if (config.redisUrl) {
    return new BullmqQueue(config.redisUrl, {
      prefix: config.redisPrefix,
      leaseMs: opts.leaseMs,
      log: opts.log,
    });
  }
  return new DatabaseQueue(db.kysely, opts);
}
