/**
 * One engine per process, created on first use and shared by every image (and, if it wishes,
 * video) anonymization: loading and warming the models costs far more than one photo.
 * Long-lived callers (worker, CLI) call `closeSharedEngine()` when done so threads exit.
 */
import type { VeilConfig } from '../../config.ts';
import { createEngine, type Engine, type EngineOptions } from '../../engine/index.ts';

let shared: Promise<Engine> | undefined;
let sharedOptions: EngineOptions = {};

/** The engine options the service and the CLI take from their configuration. */
export function engineOptionsOf(
  config: Pick<
    VeilConfig,
    'faceModel' | 'plateModel' | 'plateContext' | 'int8' | 'videoPlates' | 'inferenceWorkers'
  >,
): EngineOptions {
  const { faceModel, plateModel, plateContext, int8, videoPlates, inferenceWorkers } = config;
  return { faceModel, plateModel, plateContext, int8, videoPlates, workers: inferenceWorkers };
}

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
