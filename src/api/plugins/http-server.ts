/**
 * The HTTP server under Fastify. Node answers `Expect: 100-continue` by itself, which makes
 * curl send a whole upload to the API before it sees our 307. We take over `checkContinue`
 * and send 100 Continue only for routes that will read a body; direct upload answers 307
 * at once, so the client sends the file to blob storage only.
 */
import http from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route never reads the request body (it redirects it elsewhere). */
    ignoresBody?: boolean;
  }
}

export const serverFactory: FastifyServerFactory = (handler) => {
  const server = http.createServer(handler);
  server.on('checkContinue', handler);
  return server;
};

/** Sends 100 Continue once auth and routing passed, for routes that read a body. */
export function continueWhenBodyWanted(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const expects = request.headers.expect?.toLowerCase() === '100-continue';
    if (expects && !request.routeOptions.config.ignoresBody && !reply.raw.headersSent) {
      reply.raw.writeContinue();
    }
    return payload;
  });
}
