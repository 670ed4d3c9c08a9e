import { Type } from '@fastify/type-provider-typebox';
import { VeilError } from '../../../errors.ts';
import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import {
  commonErrors,
  Detail,
  modelConfigProperties,
  ModelName,
  toModelConfig,
} from '../../schemas/common.schema.ts';

const schema = {
  summary: 'Direct Upload',
  description:
    'Creates a job and answers 307 with `Location` = a SAS URL for one blob (create/write, ' +
    '7 days). Send the file there (`curl -L -T file -H "x-ms-blob-type: BlockBlob"`). ' +
    'The job_id is in the `job_id` header. Model parameters go in the query (`True`/`False` accepted).',
  tags: TAGS.upload,
  security: SECURITY,
  params: Type.Object({ file_name: Type.String({ minLength: 1, maxLength: 255 }) }),
  querystring: Type.Object({ model: ModelName, ...modelConfigProperties }),
  headers: Type.Object({
    'x-ms-blob-type': Type.Optional(Type.String({ description: 'BlockBlob' })),
  }),
  response: {
    ...commonErrors,
    307: Type.Object({
      url: Type.String(),
      status_code: Type.Literal(307),
      headers: Type.Record(Type.String(), Type.String()),
    }),
    400: Detail,
  },
};

export function directUploadRoute(app: ApiApp, { jobs }: RouteDeps): void {
  for (const method of ['PUT', 'POST'] as const) {
    app.route({
      method,
      url: '/direct_upload/:file_name',
      schema,
      config: { ignoresBody: true },
      handler: async (request, reply) => {
        if (request.headers['x-ms-blob-type'] !== 'BlockBlob') throw new VeilError('BAD_BLOB_TYPE');
        const { model, ...params } = request.query;
        const { jobId, uploadUrl } = await jobs.createDirectUpload(principalOf(request), {
          fileName: request.params.file_name,
          model,
          modelConfig: toModelConfig(params),
        });
        const headers = { location: uploadUrl, job_id: jobId };
        return reply.code(307).headers(headers).send({ url: uploadUrl, status_code: 307, headers });
      },
    });
  }
}
