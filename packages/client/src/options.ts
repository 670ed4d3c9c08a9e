/** Friendly camelCase options of the client, mapped to the API's snake_case model_config. */
import type { ModelConfig } from './types.ts';

export interface ModelOptions {
  /** Anonymize faces (server default true). */
  blurFace?: boolean;
  /** Anonymize license plates (server default true). */
  enableLp?: boolean;
  /** Face detection score threshold, 0..1 (server default 0.5). */
  blurThreshold?: number;
  /** Plate detection score threshold, 0..1 (server default 0.5). */
  lpThreshold?: number;
  /** Tile large images so small faces are found (server default false). */
  slicing?: boolean;
  /** Blur the face/plate shape instead of a circle (server default false). */
  maskBlur?: boolean;
  /** Track plates across video frames (server default false). */
  lpTrack?: boolean;
  /** syn model: synthetic faces (true) or blur (false). */
  syntonymize?: boolean;
  /**
   * Synthetic plates (`lp_syntonymize`, alias `lp_syn`; Veil renders them for `blur` and `syn`):
   * each plate redrawn with characters that cannot be a real registration.
   */
  lpSyntonymize?: boolean;
  /** Veil extension: also write detections as JSON. */
  detections?: boolean;
  /** Veil extension: how regions are hidden. */
  style?: 'blur' | 'pixelate' | 'fill';
}

const names: Record<keyof ModelOptions, keyof ModelConfig> = {
  blurFace: 'blur_face',
  enableLp: 'enable_lp',
  blurThreshold: 'blur_threshold',
  lpThreshold: 'lp_threshold',
  slicing: 'slicing',
  maskBlur: 'mask_blur',
  lpTrack: 'lp_track',
  syntonymize: 'syntonymize',
  lpSyntonymize: 'lp_syntonymize',
  detections: 'detections',
  style: 'style',
};

/** Only the options that were given; the server applies its defaults to the rest. */
export function toModelConfig(opts: ModelOptions, extra: ModelConfig = {}): ModelConfig {
  const out: Record<string, unknown> = { ...extra };
  for (const [key, wire] of Object.entries(names)) {
    const value = opts[key as keyof ModelOptions];
    if (value !== undefined) out[wire] = value;
  }
  return out as ModelConfig;
}

/** The same parameters as a direct_upload query string. */
export function toQuery(model: string, config: ModelConfig): string {
  const params = new URLSearchParams({ model });
  for (const [k, v] of Object.entries(config)) {
    if (v !== undefined) params.set(k, String(v));
  }
  return params.toString();
}
