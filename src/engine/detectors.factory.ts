/** Opens the model detectors an inference worker needs and warms them up. */
import { YunetFaceDetector } from './face.detector.ts';
import type { FrameDetectors } from './frame.detector.ts';
import { detectFrame } from './frame.detector.ts';
import { modelPath } from './models.ts';
import { openSession } from './onnx.runtime.ts';
import { PlateDetector, PlateEnsembleDetector } from './plate.detector.ts';
import type { RegionDetector } from './region.detector.ts';
import { RetinaFaceDetector, retinafaceModelPath } from './retinaface.detector.ts';
import { defaultAnonymizeOptions } from './types.ts';

export type FaceModel = 'yunet' | 'retinaface';
export type PlateModel = '640' | '320' | 'both';

export interface DetectorSettings {
  /** Intra-op threads per model session (default 1). */
  threads?: number;
  /** Face model (default 'yunet'; 'retinaface' has research-only weights). */
  faceModel?: FaceModel;
  /**
   * Plate model (default 'both': the 640 and 320 models merged, best recall measured; '640'
   * or '320' alone are faster, the 320 weaker on small plates in large frames).
   */
  plateModel?: PlateModel;
}

export async function openDetectors(
  settings: DetectorSettings = {},
): Promise<Required<FrameDetectors>> {
  const threads = settings.threads ?? 1;
  let face: RegionDetector;
  if (settings.faceModel === 'retinaface') {
    face = new RetinaFaceDetector(await openSession(retinafaceModelPath(), { threads }));
  } else {
    face = new YunetFaceDetector(await openSession(modelPath('yunet'), { threads }));
  }
  const open = async (side: 320 | 640): Promise<PlateDetector> =>
    new PlateDetector(
      await openSession(modelPath(side === 320 ? 'plate320' : 'plate640'), { threads }),
      side,
    );
  let plate: RegionDetector;
  if ((settings.plateModel ?? 'both') === 'both')
    plate = new PlateEnsembleDetector([await open(640), await open(320)]);
  else plate = await open(settings.plateModel === '320' ? 320 : 640);
  return { face, plate };
}

/**
 * The first runs of a session at a new input size are several times slower: run the common
 * shapes once (a 16:9 and a 4:3 frame at the main-pass size) before real work arrives.
 */
export async function warmUp(detectors: Required<FrameDetectors>): Promise<void> {
  for (const [width, height] of [
    [1920, 1080],
    [1280, 960],
  ]) {
    const frame = { data: new Uint8Array(width * height * 3), width, height };
    await detectFrame(frame, defaultAnonymizeOptions, detectors);
  }
}
