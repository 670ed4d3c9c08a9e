import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { commonErrors, Detail, JobIdParams } from '../../schemas/common.schema.ts';
import { JobReport } from '../../schemas/job.schema.ts';

const schema = {
  summary: 'Get Job Result',
  description:
    'The JobReport: status and one task per file, each with a read-only, expiring ' +
    '`download_link` once done, detection counts, dimensions, duration and any error.',
  tags: TAGS.jobs,
  security: SECURITY,
  params: JobIdParams,
  response: {
    ...commonErrors,
    200: JobReport,
    404: Detail,
  },
};

export function getJobResultRoute(app: ApiApp, { jobs }: RouteDeps): void {
  app.get('/get_job_result/:job_id', { schema }, async (request) =>
    jobs.report(principalOf(request), request.params.job_id),
  );
}
