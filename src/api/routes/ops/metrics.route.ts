import { Type } from '@fastify/type-provider-typebox';
import { TAGS, type ApiApp } from '../../api-types.ts';
import type { VeilMetrics } from '../../metrics.ts';

const schema = {
  summary: 'Prometheus metrics',
  description: 'No API key; only when VEIL_METRICS=true. Prometheus text exposition format.',
  tags: TAGS.health,
  produces: ['text/plain'],
  response: { 200: Type.String() },
};

export function metricsRoute(app: ApiApp, metrics: VeilMetrics): void {
  app.get('/metrics', { schema }, async (_request, reply) => {
    const body = await metrics.render();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
