/** OpenAPI at /openapi.json and interactive docs at /docs, generated from the route schemas. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jobStatusTable } from '../schemas/job.schema.ts';

const description = `Veil implements the Syntonym Public API 0.6.0: anonymize faces and license
plates in images, videos and archives. Upload with \`/direct_upload\` (a 307 to a blob SAS URL)
or \`/create_upload_session\` (upload to \`session_uri\` with Put Block / Put Block List or a
single Put Blob), approve with \`/approve_job\`, read \`/get_job_result\`. Every endpoint is
also served under \`/v1\`.

Authentication: header \`access_token: <api key>\`.

Job status table:

${jobStatusTable}

Webhooks (\`/notify_on_job_status\`) POST the JobReport as JSON, signed with header
\`X-Veil-Signature: sha256=<hex HMAC-SHA256 of the raw body with your key's webhook secret>\`.`;

/** FastAPI-style ids (e.g. `approve_job_v1_approve_job__job_id__post`), unique per path. */
function operationId(url: string, method: string): string {
  const parts = url.split('/').filter(Boolean);
  const name = parts.find((p) => p !== 'v1') ?? 'root';
  const path = url.replace(/[/{}:]/g, '_');
  return `${name}${path}_${method.toLowerCase()}`;
}

export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Veil (Syntonym Public API)', version: '0.6.0', description },
      components: {
        securitySchemes: {
          APIKeyHeader: { type: 'apiKey', in: 'header', name: 'access_token' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const method = Array.isArray(route.method) ? route.method[0] : route.method;
      return { schema: { ...schema, operationId: operationId(url, method) }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
