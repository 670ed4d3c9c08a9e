import { Type } from '@fastify/type-provider-typebox';
import { TAGS, type ApiApp } from '../../api-types.ts';

const schema = {
  summary: 'Liveness',
  tags: TAGS.health,
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
};

export function healthzRoute(app: ApiApp): void {
  app.get('/healthz', { schema }, async () => ({ status: 'ok' as const }));
}
