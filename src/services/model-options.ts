/** Normalises the API's model parameters into the engine's options. Pure. */
import { defaultAnonymizeOptions, type AnonymizeOptions } from '../engine/types.ts';
import type { ModelConfigInput, ModelName } from './types.ts';

export function toAnonymizeOptions(model: ModelName, input: ModelConfigInput): AnonymizeOptions {
  const d = defaultAnonymizeOptions;
  return {
    model,
    blurFace: input.blur_face ?? d.blurFace,
    enableLp: input.enable_lp ?? d.enableLp,
    blurThreshold: input.blur_threshold ?? d.blurThreshold,
    lpThreshold: input.lp_threshold ?? d.lpThreshold,
    slicing: input.slicing ?? d.slicing,
    maskBlur: input.mask_blur ?? d.maskBlur,
    lpTrack: input.lp_track ?? d.lpTrack,
    // Only `syn` makes synthetic faces; for `blur` the flag has no meaning and stays off.
    syntonymize: model === 'syn' ? (input.syntonymize ?? d.syntonymize) : false,
    lpSyntonymize: input.lp_syntonymize ?? d.lpSyntonymize,
    style: input.style ?? d.style,
    detections: input.detections ?? d.detections,
  };
}
