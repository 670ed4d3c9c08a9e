/** The CLI's engine honours VEIL_FACE_MODEL / VEIL_PLATE_MODEL like the service does. */
import { loadConfig } from '../config.ts';
import { resolveModels } from '../engine/models.ts';
import { configureSharedEngine } from '../media/image/shared-engine.ts';

/** Configures the shared engine from the environment and says (on stderr) which models run. */
export function configureEngineModels(): void {
  const { faceModel, plateModel } = loadConfig();
  configureSharedEngine({ faceModel, plateModel });
  const m = resolveModels(faceModel, plateModel);
  console.error(`models: faces ${m.describe.face}; plates ${m.describe.plate}`);
}
