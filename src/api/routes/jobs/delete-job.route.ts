import { VeilError } from '../../../errors.ts';
import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { commonErrors, Detail, JobIdParams } from '../../schemas/common.schema.ts';

const schema = {
  summary: 'Delete Job',
  description:
    'Deletes the job, its input and output blobs. Rate limited per key (default 100 requests ' +
    'per minute): beyond it, 429 with `Retry-After`.',
  tags: TAGS.jobs,
  security: SECURITY,
  params: JobIdParams,
  response: {
    ...commonErrors,
    200: Detail,
    404: Detail,
    429: Detail,
  },
};

export function deleteJobRoute(app: ApiApp, { jobs, deleteLimiter }: RouteDeps): void {
  app.delete('/delete_job/:job_id', { schema }, async (request, reply) => {
    const who = principalOf(request);
    const decision = await deleteLimiter.consume(who.keyId);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new VeilError('RATE_LIMITED');
    }
    await jobs.delete(who, request.params.job_id);
    return { detail: 'Job deleted' };
  });
}
