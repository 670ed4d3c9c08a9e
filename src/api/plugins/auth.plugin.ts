/** API key auth: header `access_token`; every route registered after it requires a key. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VeilError } from '../../errors.ts';
import type { KeysApi, Principal } from '../../services/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Adds an onRequest hook to this (encapsulated) instance; runs before any body is read. */
export function requireApiKey(app: FastifyInstance, keys: KeysApi): void {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const token = request.headers['access_token'];
    const principal = typeof token === 'string' && token ? await keys.authenticate(token) : null;
    if (!principal) throw new VeilError('UNAUTHORIZED');
    request.principal = principal;
  });
}

/** The caller of an authenticated route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new VeilError('UNAUTHORIZED');
  return request.principal;
}
