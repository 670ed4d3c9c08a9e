/**
 * The HTTP API as a Fastify instance: schemas, auth, errors, OpenAPI and the Syntonym routes
 * (at `/<name>` and `/v1/<name>`). Thin: every route calls one service method.
 */
import { randomUUID } from 'node:crypto';
import querystring from 'node:querystring';
import Fastify, { LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiDeps, RouteDeps } from './api-types.ts';
import { registerErrorHandling } from './plugins/errors.plugin.ts';
import { continueWhenBodyWanted, serverFactory } from './plugins/http-server.ts';
import { InMemoryRateLimiter } from './plugins/rate-limiter.ts';
import { registerSwagger } from './plugins/swagger.plugin.ts';
import { healthzRoute } from './routes/health/healthz.route.ts';
import { syntonymRoutes } from './routes/index.ts';
import { webPlugin } from '../web/web.plugin.ts';

/** Syntonym's clients are Python: accept `True`/`False` as booleans in query strings. */
export function parseQuery(raw: string): Record<string, unknown> {
  const parsed = querystring.parse(raw);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    out[key] = value === 'True' ? 'true' : value === 'False' ? 'false' : value;
  }
  return out;
}

export async function buildApi(deps: ApiDeps): Promise<ApiApp> {
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log } : { logger: false }),
    serverFactory,
    // Clients built for FastAPI sometimes add a trailing slash; both forms work.
    routerOptions: { querystringParser: parseQuery, ignoreTrailingSlash: true },
    // The API only takes small JSON bodies; files go to blob storage.
    bodyLimit: 1024 * 1024,
    // One line per request, at debug: clients poll get_job_result often.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids unique across api processes; a proxy's X-Request-Id is kept (log field reqId).
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'debug';
    request.log[level](
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  registerErrorHandling(app);
  continueWhenBodyWanted(app);
  await registerSwagger(app);

  const routeDeps: RouteDeps = {
    config: deps.config,
    jobs: deps.services.jobs,
    account: deps.services.account,
    deleteLimiter: deps.deleteLimiter ?? new InMemoryRateLimiter(deps.config.deleteRatePerMinute),
  };
  healthzRoute(app);
  // The web page at `/`: static, unauthenticated; its API calls carry the user's key.
  await app.register(webPlugin);
  for (const prefix of ['', '/v1']) {
    await app.register(syntonymRoutes, { prefix, deps: routeDeps, keys: deps.services.keys });
  }
  return app;
}
