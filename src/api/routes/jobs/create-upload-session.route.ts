import { Type } from '@fastify/type-provider-typebox';
import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import {
  commonErrors,
  ModelConfig,
  ModelName,
  toModelConfig,
} from '../../schemas/common.schema.ts';
import { UploadSessionResponse } from '../../schemas/job.schema.ts';

const ProcessJobInputModel = Type.Object(
  {
    file_name: Type.String({ minLength: 5, maxLength: 255, default: 'video_to_process.mp4' }),
    file_size: Type.Integer({
      minimum: 1000,
      maximum: 4294967295,
      default: 10000,
      description: 'File size in bytes',
    }),
    content_type: Type.String({
      default: 'multipart/form-data',
      description: 'Content type for upload',
    }),
    model: ModelName,
    model_config: ModelConfig,
  },
  { title: 'ProcessJobInputModel' },
);

const schema = {
  summary: 'Create Upload Session',
  description:
    'Returns `session_uri`, a SAS URL (create/write, this blob only, 7 days) to upload the file to ' +
    'as a BlockBlob: Put Block + Put Block List, or one Put Blob. AppendBlob uploads are refused. ' +
    'The upload must be exactly `file_size` bytes.',
  tags: TAGS.upload,
  security: SECURITY,
  body: ProcessJobInputModel,
  response: {
    ...commonErrors,
    200: UploadSessionResponse,
  },
};

export function createUploadSessionRoute(app: ApiApp, { jobs }: RouteDeps): void {
  app.post('/create_upload_session', { schema }, async (request) => {
    const body = request.body;
    return jobs.createUploadSession(principalOf(request), {
      fileName: body.file_name,
      fileSize: body.file_size,
      contentType: body.content_type,
      model: body.model,
      modelConfig: toModelConfig(body.model_config),
    });
  });
}
