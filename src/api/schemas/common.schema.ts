/** Schemas shared by several routes. They validate requests and generate the OpenAPI. */
import { Type } from '@fastify/type-provider-typebox';
import type { ModelConfigInput } from '../../services/types.ts';

export const Detail = Type.Object(
  { detail: Type.Unknown({ description: 'What happened, or the validation errors' }) },
  { title: 'Detail' },
);

/** Errors every authenticated route can answer, for the OpenAPI. */
export const commonErrors = {
  401: { ...Detail, description: 'Missing or unknown access_token' },
  422: { ...Detail, description: 'Validation error: `detail` lists each field (`loc`) and why' },
  500: { ...Detail, description: 'Internal server error (no internals shown)' },
};

/** A job id: a UUID (36 characters); anything else is a 422 naming `job_id`. */
export const JobIdString = Type.String({
  format: 'uuid',
  minLength: 36,
  maxLength: 36,
  description: 'The job_id, a UUID (36 characters)',
});

export const JobIdParams = Type.Object({ job_id: JobIdString });

export const ModelName = Type.Union([Type.Literal('blur'), Type.Literal('syn')], {
  description: 'blur: blur faces/plates. syn: replace faces with synthetic ones.',
});

const threshold = (what: string, dflt: number) =>
  Type.Number({ minimum: 0, maximum: 1, description: `${what} (0..1, default ${dflt})` });
const flag = (description: string) => Type.Boolean({ description });

/** Model parameters; one set for BlurConfig and SynConfig (each ignores what it does not use). */
export const modelConfigProperties = {
  blur_face: Type.Optional(flag('Anonymize faces (default true)')),
  enable_lp: Type.Optional(flag('Anonymize license plates (default true)')),
  blur_threshold: Type.Optional(threshold('Face detection score threshold', 0.5)),
  lp_threshold: Type.Optional(threshold('License plate detection score threshold', 0.5)),
  slicing: Type.Optional(flag('Tile large images so small faces are found (default false)')),
  mask_blur: Type.Optional(flag('Blur the face/plate shape instead of a circle (default false)')),
  lp_track: Type.Optional(flag('Track plates across video frames (default false)')),
  syntonymize: Type.Optional(flag('syn: true = synthetic faces, false = blur (default true)')),
  lp_syntonymize: Type.Optional(
    flag(
      'Synthetic plates instead of blur, for blur and syn (Veil renders them: same shape, colours ' +
        'and perspective, characters that always include # so they cannot be a real ' +
        'registration; one text per plate track in video) (default false)',
    ),
  ),
  lp_syn: Type.Optional(flag('Veil extension: alias of lp_syntonymize (default false)')),
  detections: Type.Optional(flag('Veil extension: also write detections as JSON (default false)')),
  style: Type.Optional(
    Type.Union([Type.Literal('blur'), Type.Literal('pixelate'), Type.Literal('fill')], {
      description: 'Veil extension: how regions are hidden (default blur)',
    }),
  ),
};

export const ModelConfig = Type.Object(modelConfigProperties, {
  title: 'BlurConfig or SynConfig',
  description: 'Model parameters (the query string of direct_upload takes the same names)',
});

type ModelConfigFields = { [K in keyof typeof modelConfigProperties]?: unknown } & {
  lp_syn?: boolean;
};

/** Our service type from validated input: `lp_syn` folds into `lp_syntonymize`. */
export function toModelConfig<T extends ModelConfigFields>(input: T): ModelConfigInput {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(modelConfigProperties)) {
    if (key !== 'lp_syn' && input[key as keyof T] !== undefined) out[key] = input[key as keyof T];
  }
  if (input.lp_syn !== undefined && out.lp_syntonymize === undefined) {
    out.lp_syntonymize = input.lp_syn;
  }
  return out as ModelConfigInput;
}
