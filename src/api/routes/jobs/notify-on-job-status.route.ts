import { Type } from '@fastify/type-provider-typebox';
import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { commonErrors, Detail, JobIdString } from '../../schemas/common.schema.ts';

const schema = {
  summary: 'Notification Subscription',
  description:
    'Registers a callback URL. Veil POSTs the JobReport when the upload is complete and the job ' +
    'awaits approval, and when the job ends; retried with backoff, signed (see the top of this page). ' +
    'Private, loopback and link-local targets are refused.',
  tags: TAGS.jobs,
  security: SECURITY,
  querystring: Type.Object({
    job_id: JobIdString,
    callback_url: Type.String({ format: 'uri', minLength: 1, maxLength: 65536 }),
  }),
  response: {
    ...commonErrors,
    200: Detail,
    404: Detail,
    422: Detail,
  },
};

export function notifyOnJobStatusRoute(app: ApiApp, { jobs }: RouteDeps): void {
  app.post('/notify_on_job_status', { schema }, async (request) => {
    const { job_id, callback_url } = request.query;
    await jobs.subscribe(principalOf(request), job_id, callback_url);
    return { detail: 'Callback registered' };
  });
}
