import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { JobListResponse, JobsQuery } from '../../schemas/account.schema.ts';
import { Detail } from '../../schemas/common.schema.ts';

const schema = {
  summary: 'List Jobs (Veil extension)',
  description:
    "The calling key's jobs, newest first, `limit` per page. Follow `next_cursor` (pass it " +
    'as `cursor`) until it is null. Tasks and download links: `GET /get_job_result/{job_id}`.',
  tags: TAGS.account,
  security: SECURITY,
  querystring: JobsQuery,
  response: { 200: JobListResponse, 401: Detail, 422: Detail },
};

export function listJobsRoute(app: ApiApp, { account }: RouteDeps): void {
  app.get('/jobs', { schema }, async (request) =>
    account.listJobs(principalOf(request), {
      limit: request.query.limit ?? 20,
      cursor: request.query.cursor,
    }),
  );
}
