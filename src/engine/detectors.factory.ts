/** Opens the model detectors an inference worker needs and warms them up. */
import { DEFAULT_YUNET, YunetFaceDetector } from './face.detector.ts';
import type { FrameDetectors } from './frame.detector.ts';
import { detectFrame } from './frame.detector.ts';
import { FaceUnionDetector } from './face-union.detector.ts';
import {
  FACE_MODEL_PARTS,
  hasModel,
  modelPath,
  npmModelPath,
  resolveModels,
  type FaceModelChoice,
  type PlateModelChoice,
  type SingleFaceModel,
} from './models.ts';
import { openSession, type ModelSession } from './onnx.runtime.ts';
import type { StemGather } from './onnx-stem.ts';
import { gatheredSession } from './stem-gather.ts';
import { PlateDetector, PlateEnsembleDetector } from './plate.detector.ts';
import type { RegionDetector } from './region.detector.ts';
import {
  DEFAULT_RETINA,
  RetinaFaceDetector,
  RETINAFACE_RANGES,
  retinafaceInt8Model,
  retinafaceModel,
  retinafaceModelPath,
} from './retinaface.detector.ts';
import { openTextLineRecogniser } from './text-line.recogniser.ts';
import { DEFAULT_TEXT_PLATE, TextPlateDetector } from './text-plate.detector.ts';
import { defaultAnonymizeOptions } from './types.ts';
import { warnOnce } from './warn-once.ts';
import { VeilFaceDetector, veilFaceInt8Model } from './veil-face.detector.ts';
import {
  VEIL_PLATE_FAR_PASSES,
  VEIL_PLATE_FAR_RANGES,
  VeilPlateDetector,
  veilPlateInt8Model,
} from './veil-plate.detector.ts';
import { openObjectDetector } from './vehicle.detector.ts';

/**
 * Face model asked for: 'auto' (default) is YuNet when its weights are found, else RetinaFace,
 * each with Veil's own detector (committed) beside it on photos ('yunet+veil',
 * 'retinaface+veil'); a named model or pair forces it.
 */
export type FaceModel = FaceModelChoice;
/**
 * Plate model asked for: 'auto' (default) is HyperLPR3 ('both', or the one model found), else
 * 'veil' (our own detector, committed), else 'text' (the PP-OCR text detector grown into
 * plates); 'hyperlpr' forces HyperLPR3, 'veil+hyperlpr' merges ours with both HyperLPR3 models.
 */
export type PlateModel = PlateModelChoice;

export interface DetectorSettings {
  /** Intra-op threads per model session (default 1). */
  threads?: number;
  faceModel?: FaceModel;
  plateModel?: PlateModel;
  /** The small-face pass over whole video frames, not windows (evaluation; RetinaFace, YuNet). */
  wholeSmallPass?: boolean;
  /**
   * Vehicle context for the plates of photos (`plate-context.ts`; default 'vehicles', used with
   * Veil's plate detector, whose cut-off it was measured with); 'none': off.
   */
  plateContext?: PlateContext;
  /** The 8-bit models (default 'video'). */
  int8?: Int8Use;
  /**
   * Which weights of Veil's plate detector run video frames: 'far' (default; trained for far
   * plates, `models/veil-plate/plate-det-far.onnx`, with its own cut-offs) or 'photo' (the
   * photo weights, as before 2026-11-29).
   */
  videoPlates?: VideoPlates;
}

export type VideoPlates = 'far' | 'photo';

export type PlateContext = 'vehicles' | 'none';

/**
 * Where RetinaFace and Veil's plate detector run their 8-bit models (`onnx-quantize.ts`): on
 * video frames, on everything, or nowhere. Where the CPU has no fast 8-bit path (neither dot
 * products nor AVX2) or the committed ranges do not fit the weights, the float models run
 * whatever this says.
 */
export type Int8Use = 'video' | 'all' | 'off';

/** The detectors of one thread: faces and plates, and vehicles where plates use them. */
export type OpenDetectors = FrameDetectors & { face: RegionDetector; plate: RegionDetector };

export async function openDetectors(settings: DetectorSettings = {}): Promise<OpenDetectors> {
  const threads = settings.threads ?? 1;
  const chosen = resolveModels(settings.faceModel, settings.plateModel);
  const openFace = async (id: SingleFaceModel): Promise<RegionDetector> => {
    if (id === 'retinaface') {
      const file = retinafaceModelPath();
      const model = retinafaceModel(file);
      const retina = settings.wholeSmallPass
        ? { ...DEFAULT_RETINA, regional: undefined }
        : DEFAULT_RETINA;
      const { main, video } = await sessionsOf('RetinaFace', model.bytes, () =>
        retinafaceInt8Model(file, RETINAFACE_RANGES, model, true),
      );
      return new RetinaFaceDetector(main, retina, model.affine, video);
    }
    if (id === 'veil') {
      const file = modelPath('veilFace');
      const { main, video } = await sessionsOf("Veil's face detector", file, () =>
        veilFaceInt8Model(file),
      );
      return new VeilFaceDetector(main, {}, video);
    }
    const yunet = settings.wholeSmallPass ? { ...DEFAULT_YUNET, regional: undefined } : undefined;
    return new YunetFaceDetector(await openSession(modelPath('yunet'), { threads }), yunet);
  };
  const use = settings.int8 ?? 'video';
  type Int8Of = () => { bytes: Uint8Array; stem?: StemGather } | { why: string };
  // A model's 8-bit session where `int8` asks and the CPU allows (a warning says why not).
  const int8SessionOf = async (name: string, int8Of: Int8Of): Promise<ModelSession | undefined> => {
    const int8 = use === 'off' ? undefined : int8Of();
    if (!int8) return undefined;
    if ('why' in int8) {
      warnOnce(`${name} runs in float: ${int8.why}`, 'VEIL_INT8');
      return undefined;
    }
    const opened = await openSession(int8.bytes, { threads });
    return int8.stem ? gatheredSession(opened, int8.stem) : opened;
  };
  // A model's float session and its 8-bit one: photos run `main`, video frames `video`
  // (absent: `main`).
  const sessionsOf = async (
    name: string,
    float: string | Uint8Array,
    int8Of: Int8Of,
  ): Promise<{ main: ModelSession; video?: ModelSession }> => {
    const q = await int8SessionOf(name, int8Of);
    if (q && use === 'all') return { main: q };
    return { main: await openSession(float, { threads }), video: q };
  };
  // The far-plate weights run video frames only: in 8 bits unless that is off or unavailable.
  const farPlateSession = async (): Promise<ModelSession> => {
    const file = modelPath('veilPlateFar');
    const name = "Veil's far-plate detector";
    const q = await int8SessionOf(name, () => veilPlateInt8Model(file, VEIL_PLATE_FAR_RANGES));
    return q ?? openSession(file, { threads });
  };
  const [first, second] = FACE_MODEL_PARTS[chosen.face];
  const face = second
    ? new FaceUnionDetector(await openFace(first), await openFace(second))
    : await openFace(first);
  const open = async (side: 320 | 640): Promise<PlateDetector> =>
    new PlateDetector(
      await openSession(modelPath(side === 320 ? 'plate320' : 'plate640'), { threads }),
      side,
    );
  let plate: RegionDetector;
  if (chosen.plate === 'text') {
    plate = new TextPlateDetector(
      await openSession(npmModelPath('textDet'), { threads }),
      DEFAULT_TEXT_PLATE,
      await openTextLineRecogniser(threads),
    );
  } else if (chosen.plate === 'both') {
    plate = new PlateEnsembleDetector([await open(640), await open(320)]);
  } else if (chosen.plate === 'veil' || chosen.plate === 'veil+hyperlpr') {
    const file = modelPath('veilPlate');
    const { main, video } = await sessionsOf("Veil's plate detector", file, () =>
      veilPlateInt8Model(file),
    );
    const far = (settings.videoPlates ?? 'far') === 'far' && hasModel('veilPlateFar');
    const veil = new VeilPlateDetector(
      main,
      undefined,
      undefined,
      far
        ? { session: await farPlateSession(), passes: VEIL_PLATE_FAR_PASSES }
        : video && { session: video },
    );
    plate =
      chosen.plate === 'veil'
        ? veil
        : new PlateEnsembleDetector([veil, await open(640), await open(320)]);
  } else plate = await open(chosen.plate === '320' ? 320 : 640);
  const context = chosen.plate === 'veil' && (settings.plateContext ?? 'vehicles') === 'vehicles';
  return context ? { face, plate, vehicles: await openObjectDetector() } : { face, plate };
}

/**
 * The first runs of a session at a new input size are several times slower: run the common
 * shapes once (a 16:9 and a 4:3 frame at the main-pass size, and a video frame's detection
 * copy) before real work arrives.
 */
export async function warmUp(detectors: OpenDetectors): Promise<void> {
  for (const [width, height] of [
    [1920, 1080],
    [1280, 960],
  ]) {
    const frame = { data: new Uint8Array(width * height * 3), width, height };
    await detectFrame(frame, defaultAnonymizeOptions, detectors);
  }
  // Video frames may run the 8-bit models: their detection copy (960 px), main passes only,
  // and the 640 px copy on which both face models run (`bothFaces`).
  const copy = { data: new Uint8Array(960 * 540 * 3), width: 960, height: 540 };
  await detectFrame(copy, defaultAnonymizeOptions, detectors, {
    sequence: true,
    smallObjects: false,
  });
  const coarse = { data: new Uint8Array(640 * 360 * 3), width: 640, height: 360 };
  await detectFrame(coarse, defaultAnonymizeOptions, detectors, {
    sequence: true,
    smallObjects: false,
    bothFaces: true,
  });
  // A black frame holds no plate, so the vehicle model has not run yet.
  await detectors.vehicles?.detect({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 });
}
