/**
 * Credit cost of a job from what was actually uploaded. Pure. Each file's cost is rounded
 * up to whole credits, so a job's cost is the sum of its tasks' costs and charging only the
 * completed tasks stays exact.
 */
import type { Pricing } from '../config.ts';
import type { ModelName } from './types.ts';

export interface PricedFile {
  kind: 'image' | 'video';
  durationSeconds?: number;
}

export function fileCost(file: PricedFile, model: ModelName, pricing: Pricing): number {
  const base =
    file.kind === 'image'
      ? pricing.imageCredits
      : Math.ceil(Math.max(0, file.durationSeconds ?? 0)) * pricing.videoCreditsPerSecond;
  const multiplier = model === 'syn' ? pricing.synMultiplier : 1;
  // Rounded to 1e-9 first so that 0.1 * 3 = 0.30000000000000004 does not become 1.
  return Math.ceil(Math.round(base * multiplier * 1e9) / 1e9);
}

export function jobCost(files: PricedFile[], model: ModelName, pricing: Pricing): number {
  return files.reduce((sum, f) => sum + fileCost(f, model, pricing), 0);
}
