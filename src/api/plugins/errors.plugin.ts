/**
 * The one error handler: validation → 422 with FastAPI-style `detail` naming the field,
 * VeilError → its status and message, anything else → 500 with no internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { isVeilError } from '../../errors.ts';

/** Where a field came from, in FastAPI's words (Syntonym clients read `loc`). */
const locations: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  body: 'body',
  headers: 'header',
};

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

export function validationDetail(context: string | undefined, items: ValidationItem[]) {
  return items.map((item) => {
    const path = (item.instancePath ?? '').split('/').filter(Boolean);
    const missing = item.params?.missingProperty;
    if (typeof missing === 'string') path.push(missing);
    const field = path.join('.') || context || 'request';
    return {
      loc: [locations[context ?? ''] ?? context ?? 'request', ...path],
      msg: `${field}: ${item.message ?? 'is invalid'}`,
      type: item.keyword ?? 'invalid',
    };
  });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      return reply
        .code(422)
        .send({ detail: validationDetail(err.validationContext, err.validation) });
    }
    if (isVeilError(err)) {
      if (err.status >= 500) request.log.error({ err }, 'service error');
      const detail = err.status >= 500 ? 'Internal server error' : err.message;
      return reply.code(err.status).send({ detail });
    }
    // Fastify's own client errors (malformed JSON, body too large, bad media type).
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const badJson = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError';
      const status = badJson ? 422 : err.statusCode;
      return reply.code(status).send({ detail: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ detail: 'Internal server error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));
}
