/**
 * JobQueue port: durable background work. Embedded adapter: a queue table in our own
 * database polled in-process; scaled-out adapter: BullMQ on Redis. Payloads carry ids,
 * never bytes.
 */

/** The typed job list: one payload type per name, exactly one handler per name. */
export interface JobPayloads {
  /** Probe and cost an uploaded job (upload watcher found the blob). */
  'prepare-job': { jobId: string };
  /** Anonymize every file of an approved job. */
  'process-job': { jobId: string };
  /** Anonymize one segment of a long video task (see src/worker/README.md). */
  'process-segment': { jobId: string; taskId: string; seq: number };
  /** Join a task's anonymized segments into its output, once all are done. */
  'join-segments': { jobId: string; taskId: string };
  /** POST a JobReport to a registered callback. */
  'deliver-webhook': { jobId: string; callbackId: string; event: string };
  /** Expire stale sessions, delete old blobs. */
  housekeeping: Record<string, never>;
}

export type JobName = keyof JobPayloads;

export interface AddOptions {
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Total attempts before the job is given up (default 3). */
  attempts?: number;
  /** A job with the same id that is still waiting or running is not added twice. */
  dedupeId?: string;
  /** First retry delay in ms, doubled on each further attempt (adapter default 1000). */
  backoffMs?: number;
}

export interface HandlerContext {
  /** Aborted when the process shuts down or the job is cancelled. */
  signal: AbortSignal;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
}

export type Handler<N extends JobName> = (
  payload: JobPayloads[N],
  ctx: HandlerContext,
) => Promise<void>;

/** Thrown by a handler when retrying cannot help. */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}

export interface JobQueue {
  add<N extends JobName>(name: N, payload: JobPayloads[N], opts?: AddOptions): Promise<void>;
  /** Registers the one handler for `name`; starts consuming once `start()` is called. */
  process<N extends JobName>(name: N, handler: Handler<N>, opts?: { concurrency?: number }): void;
  start(): Promise<void>;
  /** Waiting jobs and age of the oldest, for readiness and metrics. */
  stats(): Promise<{ waiting: number; active: number; oldestWaitingMs: number }>;
  /** Stops taking work; running handlers get their signal aborted after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}
