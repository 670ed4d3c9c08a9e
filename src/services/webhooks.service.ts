/**
 * Webhooks: subscriptions per job, deliveries as queue jobs. Each delivery POSTs the
 * JobReport signed with the key's webhook secret: `x-veil-signature: sha256=<hex HMAC>`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Kysely } from 'kysely';
import type { VeilConfig } from '../config.ts';
import type { DB } from '../db/index.ts';
import { VeilError } from '../errors.ts';
import { UnrecoverableJobError, type JobQueue } from '../queue/index.ts';
import { assertCallbackAllowed, guardedLookup, isPrivateAddress } from './callback-guard.ts';
import type { JobReport, Principal } from './types.ts';

export type WebhookEvent = 'awaiting_approval' | 'completed' | 'failed' | 'cancelled';

export const signBody = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** The event a job in `status` has already reached, for late subscribers. */
function eventOf(status: number): WebhookEvent | null {
  return (
    ({ 2: 'awaiting_approval', 5: 'completed', 6: 'failed', 8: 'cancelled' } as const)[
      status as 2 | 5 | 6 | 8
    ] ?? null
  );
}

export function createWebhooks(deps: {
  db: Kysely<DB>;
  queue: JobQueue;
  config: VeilConfig;
  reportFor(jobId: string): Promise<JobReport | null>;
  backoffMs?: number;
}) {
  const { db, queue, config } = deps;

  async function enqueue(jobId: string, callbackId: string, event: WebhookEvent) {
    await queue.add(
      'deliver-webhook',
      { jobId, callbackId, event },
      {
        attempts: config.webhookAttempts,
        backoffMs: deps.backoffMs,
        dedupeId: `webhook:${callbackId}:${event}`,
      },
    );
  }

  return {
    async subscribe(who: Principal, jobId: string, callbackUrl: string): Promise<void> {
      const job = await db
        .selectFrom('jobs')
        .select(['id', 'status'])
        .where('id', '=', jobId)
        .where('key_id', '=', who.keyId)
        .executeTakeFirst();
      if (!job) throw new VeilError('JOB_NOT_FOUND');
      const url = await assertCallbackAllowed(callbackUrl, config.webhookAllowPrivate);
      await db
        .insertInto('webhooks')
        .values({
          id: randomUUID(),
          job_id: jobId,
          key_id: who.keyId,
          url: url.href,
          created_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.columns(['job_id', 'url']).doNothing())
        .execute();
      // Subscribing after the event happened still tells the client about it.
      const reached = eventOf(job.status);
      if (reached) {
        const hook = await db
          .selectFrom('webhooks')
          .select('id')
          .where('job_id', '=', jobId)
          .where('url', '=', url.href)
          .executeTakeFirstOrThrow();
        await enqueue(jobId, hook.id, reached);
      }
    },

    /** Queues one delivery per subscription of the job. */
    async notify(jobId: string, event: WebhookEvent): Promise<void> {
      const hooks = await db
        .selectFrom('webhooks')
        .select('id')
        .where('job_id', '=', jobId)
        .execute();
      for (const hook of hooks) await enqueue(jobId, hook.id, event);
    },

    /** Handler of `deliver-webhook`: throws on failure so the queue retries with backoff. */
    async deliver(
      payload: { jobId: string; callbackId: string; event: string },
      signal: AbortSignal,
    ): Promise<void> {
      const hook = await db
        .selectFrom('webhooks')
        .innerJoin('api_keys', 'api_keys.id', 'webhooks.key_id')
        .select(['webhooks.url', 'api_keys.webhook_secret'])
        .where('webhooks.id', '=', payload.callbackId)
        .executeTakeFirst();
      const report = hook ? await deps.reportFor(payload.jobId) : null;
      if (!hook || !report) return; // job or subscription deleted meanwhile
      const body = JSON.stringify(report);
      const status = await postJson(
        hook.url,
        body,
        {
          'x-veil-signature': signBody(hook.webhook_secret, body),
          'x-veil-event': payload.event,
        },
        { timeoutMs: config.webhookTimeoutMs, allowPrivate: config.webhookAllowPrivate, signal },
      );
      if (status < 200 || status >= 300) {
        throw new Error(`webhook ${hook.url} answered ${status}`);
      }
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;

function postJson(
  target: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal },
): Promise<number> {
  const url = new URL(target);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // IP literals skip the DNS lookup, so they are checked here.
  if (!opts.allowPrivate && net.isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(new UnrecoverableJobError(`refused webhook target ${host}`));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'veil-webhooks',
        },
        lookup: guardedLookup(opts.allowPrivate) as never,
        signal: opts.signal,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    // A plain timer, not AbortSignal.any([.., AbortSignal.timeout()]): Node 20 may collect
    // that timeout signal before it fires, and the delivery then hangs for ever.
    const timer = setTimeout(
      () => req.destroy(new Error(`webhook ${url.host} gave no answer in ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EPRIVATE' ? new UnrecoverableJobError(err.message) : err),
    );
    req.end(body);
  });
}
