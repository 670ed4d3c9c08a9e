/** Types shared by the API's routes. */
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { VeilConfig } from '../config.ts';
import type { AccountApi, JobsApi, KeysApi } from '../services/types.ts';
import type { RateLimiter } from './plugins/rate-limiter.ts';

export type ApiApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ApiDeps {
  config: VeilConfig;
  services: { jobs: JobsApi; keys: KeysApi; account: AccountApi };
  log?: FastifyBaseLogger;
  /** delete_job limiter; default in memory at config.deleteRatePerMinute. */
  deleteLimiter?: RateLimiter;
}

export interface RouteDeps {
  config: VeilConfig;
  jobs: JobsApi;
  account: AccountApi;
  deleteLimiter: RateLimiter;
}

export const TAGS = {
  jobs: ['Jobs'],
  upload: ['Upload'],
  health: ['Health'],
  account: ['Account (Veil extension)'],
};
export const SECURITY = [{ APIKeyHeader: [] }];
