import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { commonErrors, Detail, JobIdParams } from '../../schemas/common.schema.ts';
import { JobReport } from '../../schemas/job.schema.ts';

const schema = {
  summary: 'Cancel Job (Veil extension)',
  description:
    'Stops a job that is queued or running: a video stops at its next 10% of progress, an image ' +
    'only if not started. Nothing is charged. 409 when the job already ended.',
  tags: TAGS.jobs,
  security: SECURITY,
  params: JobIdParams,
  response: {
    ...commonErrors,
    200: JobReport,
    404: Detail,
    409: Detail,
  },
};

export function cancelJobRoute(app: ApiApp, { jobs }: RouteDeps): void {
  app.post('/cancel_job/:job_id', { schema }, async (request) =>
    jobs.cancel(principalOf(request), request.params.job_id),
  );
}
