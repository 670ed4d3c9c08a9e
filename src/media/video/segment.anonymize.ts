/**
 * Anonymizes one segment input (see segment.split.ts) on the process's shared engine: its
 * warm-up frames are decoded, detected and tracked but not written, so the output holds
 * exactly the segment's own frames and tracks already run when they start.
 */
import type { AnonymizeOptions } from '../../engine/types.ts';
import { getSharedEngine } from '../image/shared-engine.ts';
import type { AnonymizeFileOptions, AnonymizeFileResult } from '../index.ts';
import { createVideoAnonymizer } from './video.pipeline.ts';

export async function anonymizeSegment(
  input: string,
  output: string,
  warmFrames: number,
  options: AnonymizeOptions,
  run: AnonymizeFileOptions = {},
): Promise<AnonymizeFileResult> {
  const anonymize = createVideoAnonymizer(await getSharedEngine(), {
    skipOutputFrames: warmFrames,
  });
  return anonymize(input, output, options, run);
}
