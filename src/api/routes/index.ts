/** Every Syntonym endpoint, behind the API key; registered at `/` and again at `/v1`. */
import type { KeysApi } from '../../services/types.ts';
import type { ApiApp, RouteDeps } from '../api-types.ts';
import { requireApiKey } from '../plugins/auth.plugin.ts';
import { creditsRoute } from './account/credits.route.ts';
import { listJobsRoute } from './account/list-jobs.route.ts';
import { approveJobRoute } from './jobs/approve-job.route.ts';
import { cancelJobRoute } from './jobs/cancel-job.route.ts';
import { createUploadSessionRoute } from './jobs/create-upload-session.route.ts';
import { deleteJobRoute } from './jobs/delete-job.route.ts';
import { directUploadRoute } from './jobs/direct-upload.route.ts';
import { getJobResultRoute } from './jobs/get-job-result.route.ts';
import { notifyOnJobStatusRoute } from './jobs/notify-on-job-status.route.ts';

export async function syntonymRoutes(
  app: ApiApp,
  opts: { deps: RouteDeps; keys: KeysApi },
): Promise<void> {
  requireApiKey(app, opts.keys);
  createUploadSessionRoute(app, opts.deps);
  notifyOnJobStatusRoute(app, opts.deps);
  approveJobRoute(app, opts.deps);
  getJobResultRoute(app, opts.deps);
  deleteJobRoute(app, opts.deps);
  cancelJobRoute(app, opts.deps);
  creditsRoute(app, opts.deps);
  listJobsRoute(app, opts.deps);
  // Direct upload never reads the body: a parser that leaves the stream alone, in its own scope.
  await app.register(async (scope: ApiApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    directUploadRoute(scope, opts.deps);
  });
}
