/**
 * Second recogniser of the `syn` fail-safe: @vladmandic/face-api (MIT, weights inside the
 * package) on the TensorFlow.js WASM backend. Human's faceres alone was fooled on tilted,
 * made-up faces in the wild that face-api still matched (distance 0.33 < 0.6), so an output
 * must look like someone else to both. Descriptors are 128-D; same person below 0.6.
 *
 * An attacker chooses how to crop and align: face-api offers two alignments of its 68
 * landmarks (its default and the dlib-style one that eval and the tests use), and the face
 * may be found afresh in the output or cut at the original's place. Each is a "view"; the
 * fail-safe takes the closest of them all.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { RgbFrame } from '../types.ts';
import type { RelativeBox } from './face.crop.ts';
import { faceApiOnOrt, type FaceApiSwitch } from './face-api.onnx.ts';
import { synNetsOnOrt } from './ort.models.ts';

// face-api's node-wasm build loads its own tfjs and WASM backend; use that very instance.
const tf = faceapi.tf as unknown as {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(data: Int32Array, shape: number[], dtype: string): faceapi.tf.Tensor3D;
  getBackend(): string;
};

/** face-api's own same-person threshold (euclidean distance of descriptors). */
export const FACE_API_SAME_PERSON = 0.6;

/** One way of looking at a face: where its aligned chip is cut, and who it is there. */
export interface FaceApiView {
  descriptor: Float32Array;
  aligned: faceapi.Rect;
  /** The face box (crop pixels) whose 68 landmarks gave `aligned`. */
  found: faceapi.Rect;
}

/** The original face as face-api sees it, in both alignments. */
export type FaceApiRef = FaceApiView[];

/** This runtime's own instances of face-api's nets (not `faceapi.nets`, which eval's judge uses). */
export interface Nets {
  ssd: faceapi.SsdMobilenetv1;
  landmarks: faceapi.FaceLandmark68Net;
  recognition: faceapi.FaceRecognitionNet;
}

/** face-api's nets `syn` uses, new instances loaded from the package. */
export async function loadFaceApiNets(): Promise<Nets> {
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs WASM backend unavailable');
  await tf.ready();
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  const nets: Nets = {
    ssd: new faceapi.SsdMobilenetv1(),
    landmarks: new faceapi.FaceLandmark68Net(),
    recognition: new faceapi.FaceRecognitionNet(),
  };
  await nets.ssd.loadFromDisk(dir);
  await nets.landmarks.loadFromDisk(dir);
  await nets.recognition.loadFromDisk(dir);
  return nets;
}

/**
 * Moves `nets` onto onnxruntime (`face-api.onnx.ts`: the same networks built in memory from
 * the loaded weights); the switch returned puts TensorFlow.js back and forth (tests).
 */
export function faceApiNetsOnOrt(nets: Nets): FaceApiSwitch {
  return faceApiOnOrt(faceapi.tf, faceapi.NetInput, nets);
}

export class FaceApiRuntime {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly detector: faceapi.SsdMobilenetv1Options,
    private readonly nets: Nets,
  ) {}

  /**
   * `onnx` (default): face-api's SSD, 68-landmark and recognition nets run on onnxruntime
   * (several times faster than the WASM backend, same results to float rounding:
   * `test/integration/syn/ort-nets.test.ts`); `onnx: false`: on TensorFlow.js.
   */
  static async load({ onnx = synNetsOnOrt() } = {}): Promise<FaceApiRuntime> {
    const nets = await loadFaceApiNets();
    if (onnx) faceApiNetsOnOrt(nets);
    return new FaceApiRuntime(new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 }), nets);
  }

  /**
   * The face nearest the centre of `crop` (a crop around one face) in both alignments, or
   * null if face-api finds none there. `at` (video: where the detector found this track's
   * face on an earlier frame, relative to the crop) skips the detector (SSD, about two
   * thirds of the time): the 68 landmarks are found in that box, which gives the alignment.
   */
  describe(crop: RgbFrame, at?: RelativeBox): Promise<FaceApiRef | null> {
    return this.serial(async () => {
      const found = at ? faceBox(at, crop.width) : nearestCentre(await this.locate(crop), crop);
      if (!found) return null;
      const aligned = await alignmentsIn(this.nets, found, crop);
      const descriptors = await descriptorsAt(this.nets, crop, aligned);
      return aligned.map((a, i) => ({ aligned: a, descriptor: descriptors[i], found }));
    });
  }

  /**
   * The original's views of this frame from descriptors described earlier in the track:
   * the 68 landmarks found in `at` give this frame's aligned boxes (where the output is cut),
   * and `descriptors` (one per alignment, from a frame where `describe` ran) stand for who
   * is there. Skips the two descriptors (and the detector) of `describe`.
   */
  alignedAs(
    crop: RgbFrame,
    at: RelativeBox,
    descriptors: readonly Float32Array[],
  ): Promise<FaceApiRef> {
    return this.serial(async () => {
      const found = faceBox(at, crop.width);
      const aligned = await alignmentsIn(this.nets, found, crop);
      return aligned.map((a, i) => ({
        aligned: a,
        descriptor: descriptors[Math.min(i, descriptors.length - 1)],
        found,
      }));
    });
  }

  /**
   * The smallest distance between `ref` (the original) and `crop` (the output, same
   * geometry) over every view: the output cut at each of the original's aligned boxes, and
   * the output's own face aligned afresh by its own 68 landmarks (both alignments), against
   * each original view and `others` (the same person's descriptors from other frames).
   * With `atPlace` the afresh landmarks are found in the original's face box (the output
   * sits at the very place, outline kept); without it (a blurred face, judged only if it is
   * found again) the detector looks for the face anew.
   */
  closestDistance(
    crop: RgbFrame,
    ref: FaceApiRef,
    others: readonly Float32Array[] = [],
    { atPlace = true } = {},
  ): Promise<number> {
    return this.viewsOf(crop, ref, { atPlace }).then((views) =>
      closestOf(views, [...ref.map((r) => r.descriptor), ...others]),
    );
  }

  /** The descriptors of `crop` in every view `closestDistance` compares (see there). */
  viewsOf(crop: RgbFrame, ref: FaceApiRef, { atPlace = true } = {}): Promise<Float32Array[]> {
    return this.serial(async () => {
      const boxes: faceapi.Rect[] = [];
      if (atPlace) {
        boxes.push(...ref.map((r) => r.aligned));
        if (ref.length > 0) boxes.push(...(await alignmentsIn(this.nets, ref[0].found, crop)));
      } else {
        for (const f of await this.locate(crop)) {
          const b = f.box;
          const c = [b.x + b.width / 2, b.y + b.height / 2];
          if (Math.hypot(c[0] - crop.width / 2, c[1] - crop.height / 2) > crop.width / 4) continue;
          boxes.push(...(await alignmentsIn(this.nets, b, crop)));
        }
      }
      return await descriptorsAt(this.nets, crop, boxes);
    });
  }

  /** face-api's SSD detections in `crop` (the only step that needs the whole crop as a tensor). */
  private async locate(crop: RgbFrame): Promise<faceapi.FaceDetection[]> {
    const t = toTensor(crop);
    try {
      return await this.nets.ssd.locateFaces(t, this.detector);
    } finally {
      t.dispose();
    }
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

/** The smallest distance between any of `views` and any of `refs` (Infinity: none). */
export function closestOf(views: readonly Float32Array[], refs: readonly Float32Array[]): number {
  let best = Infinity;
  for (const d of views)
    for (const o of refs) best = Math.min(best, faceapi.euclideanDistance(o, d));
  return best;
}

/** The detection nearest the crop's centre (within a fifth of its side), if any. */
function nearestCentre(all: faceapi.FaceDetection[], crop: RgbFrame): faceapi.Box | undefined {
  let best: faceapi.Box | undefined;
  let bestDist = crop.width / 5;
  for (const r of all) {
    const b = r.box;
    const d = Math.hypot(b.x + b.width / 2 - crop.width / 2, b.y + b.height / 2 - crop.height / 2);
    if (d < bestDist) [best, bestDist] = [b, d];
  }
  return best;
}

/** A relative box in crop pixels. */
function faceBox([x, y, w, h]: RelativeBox, side: number): faceapi.Rect {
  return new faceapi.Rect(x * side, y * side, w * side, h * side);
}

/**
 * The face's 68 landmarks found in `box` (as face-api's detectAllFaces().withFaceLandmarks()
 * does with a detection box), and the two aligned boxes they give: face-api's default and
 * the dlib-style one.
 */
async function alignmentsIn(
  nets: Nets,
  box: faceapi.IRect,
  crop: RgbFrame,
): Promise<faceapi.Rect[]> {
  const inside = new faceapi.Box(box).clipAtImageBorders(crop.width, crop.height);
  const [chip] = faceTensors(crop, [inside]);
  try {
    const found = (await nets.landmarks.detectLandmarks(chip)) as faceapi.FaceLandmarks68;
    const landmarks = found.shiftBy(inside.x, inside.y);
    return [landmarks.align(), landmarks.align(null, { useDlibAlignment: true })];
  } finally {
    chip.dispose();
  }
}

/** face-api descriptors of the chips at `boxes`, computed as one batch. */
async function descriptorsAt(
  nets: Nets,
  crop: RgbFrame,
  boxes: faceapi.Rect[],
): Promise<Float32Array[]> {
  if (boxes.length === 0) return [];
  const chips = faceTensors(crop, boxes);
  try {
    const out = await nets.recognition.computeFaceDescriptor(chips);
    return (Array.isArray(out) ? out : [out]) as Float32Array[];
  } finally {
    chips.forEach((c) => c.dispose());
  }
}

/**
 * face-api's `extractFaceTensors` on `toTensor(crop)`, cut in plain JS: each box clipped at
 * the crop's borders and floored as face-api does (`Box.clipAtImageBorders`), empty ones
 * left out, and its pixels copied into an int32 tensor: the same tensors, without slicing
 * the whole crop's tensor on the WASM backend (its 3-D slice runs in JavaScript, index by
 * index; test/integration/syn/face-api-chips.test.ts compares the two).
 */
export function faceTensors(
  crop: RgbFrame,
  boxes: readonly faceapi.IRect[],
): faceapi.tf.Tensor3D[] {
  const out: faceapi.tf.Tensor3D[] = [];
  for (const box of boxes) {
    const { x, y, width, height } = new faceapi.Box(box).clipAtImageBorders(
      crop.width,
      crop.height,
    );
    if (!(width > 0 && height > 0)) continue;
    const chip = intPixels(width * height * 3);
    for (let row = 0; row < height; row++) {
      const from = ((y + row) * crop.width + x) * 3;
      chip.set(crop.data.subarray(from, from + width * 3), row * width * 3);
    }
    out.push(tf.tensor3d(chip, [height, width, 3], 'int32'));
  }
  return out;
}

/**
 * Reused for every tensor made here: the WASM backend copies a tensor's values into its own
 * memory as the tensor is made (a CPU backend would keep the array, so it gets a new one).
 */
let ints = new Int32Array(0);

/** A buffer of `length` int32 values for one tensor, reused by the next. */
function intPixels(length: number): Int32Array {
  if (tf.getBackend() !== 'wasm') return new Int32Array(length);
  if (ints.length < length) ints = new Int32Array(length);
  return ints.subarray(0, length);
}

export function toTensor(img: RgbFrame): faceapi.tf.Tensor3D {
  const values = intPixels(img.data.length);
  values.set(img.data);
  return tf.tensor3d(values, [img.height, img.width, 3], 'int32');
}
