/**
 * Operations routes, outside the API key: `/readyz` always, `/metrics` when metrics are on.
 * (`/healthz` lives in routes/health.) Registered on the root instance before listen.
 */
import type { ApiApp } from '../../api-types.ts';
import type { VeilMetrics } from '../../metrics.ts';
import { metricsRoute } from './metrics.route.ts';
import { readyzRoute, type ReadinessChecks } from './readyz.route.ts';

export type { ReadinessChecks } from './readyz.route.ts';

export function registerOps(
  app: ApiApp,
  opts: { checks: ReadinessChecks; metrics?: VeilMetrics; readyTimeoutMs?: number },
): void {
  readyzRoute(app, opts.checks, opts.readyTimeoutMs);
  if (opts.metrics) {
    opts.metrics.instrumentApi(app);
    metricsRoute(app, opts.metrics);
  }
}
