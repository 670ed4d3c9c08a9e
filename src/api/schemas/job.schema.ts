/** Job reports and upload sessions as clients receive them (Syntonym field names). */
import { Type } from '@fastify/type-provider-typebox';
import { jobStatusDescriptions } from '../../services/types.ts';
import { ModelConfig, ModelName } from './common.schema.ts';

const nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(
  schema: T,
) => Type.Union([schema, Type.Null()]);

/** The job status table, rendered once for every place that documents it. */
export const jobStatusTable = [
  '| job_status | job_status_description |',
  '|---|---|',
  ...Object.entries(jobStatusDescriptions).map(([code, text]) => `| ${code} | ${text} |`),
].join('\n');

const JobStatusField = Type.Integer({
  description: `Job status code:\n\n${jobStatusTable}`,
  enum: Object.keys(jobStatusDescriptions).map(Number),
});

export const TaskReport = Type.Object(
  {
    task_id: Type.String(),
    file_name: Type.String(),
    kind: Type.Union([Type.Literal('image'), Type.Literal('video')]),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('processing'),
      Type.Literal('completed'),
      Type.Literal('failed'),
      Type.Literal('cancelled'),
    ]),
    progress: Type.Union([Type.Object({ done: Type.Number(), total: Type.Number() }), Type.Null()]),
    download_link: nullable(
      Type.String({ description: 'Read-only, expiring SAS URL once the task completed' }),
    ),
    detections_link: nullable(Type.String({ description: 'Only with detections=true' })),
    faces: nullable(Type.Number()),
    plates: nullable(Type.Number()),
    width: nullable(Type.Number()),
    height: nullable(Type.Number()),
    duration_seconds: nullable(Type.Number()),
    error: nullable(Type.String()),
  },
  { title: 'TaskReport' },
);

export const JobReport = Type.Object(
  {
    job_id: Type.String(),
    job_status: JobStatusField,
    job_status_description: Type.String(),
    job_total_credit_cost: Type.Number(),
    file_name: Type.String(),
    model: ModelName,
    created_at: Type.String(),
    archive_download_link: nullable(
      Type.String({ description: 'Veil extension: archive jobs, one zip of every output' }),
    ),
    tasks: Type.Array(TaskReport),
  },
  { title: 'JobReport' },
);

export const UploadSessionResponse = Type.Object(
  {
    session_uri: Type.String({
      description: 'Blob SAS URL (create/write, this blob only) to upload to; valid 7 days',
    }),
    job_id: Type.String(),
    upload_status: Type.String({ examples: ['waiting for upload'] }),
    job_status: JobStatusField,
    job_status_description: Type.String(),
    file_name: Type.String(),
    total_credit_cost: Type.Number(),
    file_size: Type.Integer(),
    model: ModelName,
    model_config: ModelConfig,
  },
  { title: 'UploadSessionResponse' },
);
