import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { commonErrors, Detail, JobIdParams } from '../../schemas/common.schema.ts';
import type { ApproveOutcome } from '../../../services/types.ts';

const outcomes: Record<ApproveOutcome, { status: 200 | 201 | 202; detail: string }> = {
  approved: { status: 200, detail: 'Job approved' },
  no_approval_needed: { status: 201, detail: 'Job does not need approval' },
  already_approved: { status: 202, detail: 'Job already approved' },
};

const schema = {
  summary: 'Approve Job',
  description:
    '200: approved. 201: does not need approval. 202: already approved. 302: not ready ' +
    '(upload not complete or cost not known yet). 402: not enough credits. 404: unknown job. ' +
    'Credits are checked now and deducted once the job completes; a failed job costs nothing.',
  tags: TAGS.jobs,
  security: SECURITY,
  params: JobIdParams,
  response: {
    ...commonErrors,
    200: Detail,
    201: Detail,
    202: Detail,
    302: Detail,
    402: Detail,
    404: Detail,
  },
};

export function approveJobRoute(app: ApiApp, { jobs }: RouteDeps): void {
  app.post('/approve_job/:job_id', { schema }, async (request, reply) => {
    const outcome = outcomes[await jobs.approve(principalOf(request), request.params.job_id)];
    return reply.code(outcome.status).send({ detail: outcome.detail });
  });
}
