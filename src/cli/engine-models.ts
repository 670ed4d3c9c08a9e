/**
 * The CLI's engine honours VEIL_FACE_MODEL / VEIL_PLATE_MODEL / VEIL_INFERENCE_WORKERS like the
 * service does.
 */
import { loadConfig } from '../config.ts';
import { resolveModels } from '../engine/models.ts';
import { configureSharedEngine, engineOptionsOf } from '../media/image/shared-engine.ts';

/** Configures the shared engine from the environment and says (on stderr) which models run. */
export function configureEngineModels(): void {
  const config = loadConfig();
  configureSharedEngine(engineOptionsOf(config));
  const m = resolveModels(config.faceModel, config.plateModel);
  console.error(`models: faces ${m.describe.face}; plates ${m.describe.plate}`);
}
