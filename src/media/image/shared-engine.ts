/**
 * One engine per process, created on first use and shared by every image (and, if it wishes,
 * video) anonymization: loading and warming the models costs far more than one photo.
 * Long-lived callers (worker, CLI) call `closeSharedEngine()` when done so threads exit.
 */
import { createEngine, type Engine, type EngineOptions } from '../../engine/index.ts';

let shared: Promise<Engine> | undefined;
let sharedOptions: EngineOptions = {};

/** Options for the engine created on first use; call before the first `getSharedEngine()`. */
export function configureSharedEngine(options: EngineOptions): void {
  sharedOptions = options;
}

export function getSharedEngine(): Promise<Engine> {
  if (!shared) {
    shared = createEngine(sharedOptions);
    // A failed start must not stick: the next call tries again.
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

export async function closeSharedEngine(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
}
