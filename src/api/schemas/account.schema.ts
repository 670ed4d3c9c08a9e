/** Veil extensions about the calling key: its credits and its jobs. */
import { Type } from '@fastify/type-provider-typebox';
import { ModelName } from './common.schema.ts';
import { JobReport } from './job.schema.ts';

export const CreditsQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Ledger entries (1..100)' }),
  ),
});

export const CreditsResponse = Type.Object(
  {
    balance: Type.Number({ description: 'Credits granted minus credits charged' }),
    available: Type.Number({
      description: 'Balance minus the costs of approved jobs that have not finished',
    }),
    entries: Type.Array(
      Type.Object({
        kind: Type.Union([Type.Literal('grant'), Type.Literal('charge')]),
        amount: Type.Number({ description: 'Positive for grants, negative for charges' }),
        job_id: Type.Union([Type.String(), Type.Null()]),
        created_at: Type.String(),
      }),
      { description: 'Latest ledger entries first' },
    ),
  },
  { title: 'CreditsResponse' },
);

export const JobsQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Jobs per page (1..100)' }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: '`next_cursor` of the previous page' }),
  ),
});

export const JobSummary = Type.Object(
  {
    job_id: Type.String(),
    job_status: JobReport.properties.job_status,
    job_status_description: Type.String(),
    job_total_credit_cost: Type.Number(),
    file_name: Type.String(),
    model: ModelName,
    created_at: Type.String(),
  },
  { title: 'JobSummary' },
);

export const JobListResponse = Type.Object(
  {
    jobs: Type.Array(JobSummary, { description: 'Newest first' }),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { title: 'JobListResponse' },
);
