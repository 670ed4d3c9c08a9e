/**
 * Where the detector weights live. They ship in the repository's `models/` folder; a copy under
 * a `shared/models/` folder beside the checkout is used when the repository's copy is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODEL_FILES = {
  yunet: 'yunet/yunet_n_dynamic.onnx',
  plate640: 'hyperlpr3/y5fu_640x_sim.onnx',
  plate320: 'hyperlpr3/y5fu_320x_sim.onnx',
  retinaface: 'retinaface/mnet.25_v2.onnx',
} as const;

export type ModelId = keyof typeof MODEL_FILES;

/** Byte size and SHA-256 of the weights we ship (models/README.md). */
export const MODEL_CHECKSUMS: Partial<Record<ModelId, { bytes: number; sha256: string }>> = {
  yunet: {
    bytes: 322_906,
    sha256: '104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12',
  },
  plate640: {
    bytes: 3_930_791,
    sha256: '0306de937471b87f56eb3f5620815e7e7058f8ab7428e0734fc64627cc4d716c',
  },
  plate320: {
    bytes: 2_343_161,
    sha256: '2a985dc63a5cc947ec36d18503d6fc0fd54525b9dba17f2fe29a71e86b44456d',
  },
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folders searched in order. */
export function modelDirs(): string[] {
  return [path.join(repoRoot, 'models'), path.join(repoRoot, '..', 'shared', 'models')];
}

/** Absolute path of a model's weights; throws naming every place looked at when none has it. */
export function modelPath(id: ModelId, dirs: readonly string[] = modelDirs()): string {
  const tried: string[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, MODEL_FILES[id]);
    if (fs.existsSync(file)) return file;
    tried.push(file);
  }
  throw new Error(
    `model weights "${id}" not found; looked at ${tried.join(', ')} (see models/README.md)`,
  );
}

export function hasModel(id: ModelId): boolean {
  try {
    modelPath(id);
    return true;
  } catch {
    return false;
  }
}
