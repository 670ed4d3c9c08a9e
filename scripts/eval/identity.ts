/**
 * A face-recognition model for the irreversibility check: @vladmandic/face-api
 * (MIT; its weights ship inside the npm package) on the TensorFlow.js WASM
 * backend (tfjs-node's install download fails here). 128-D descriptors; the
 * library's own same-person threshold is a euclidean distance below 0.6.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { Xyxy } from './dataset.ts';
import { iouXyxy, liesInside } from './metrics.ts';

// face-api's node-wasm build loads @tensorflow/tfjs and its WASM backend itself; use that
// very instance (a separate import could resolve to another copy with its own backend).
const tf = faceapi.tf;
const engine = tf as unknown as {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
};

export const SAME_PERSON_DISTANCE = 0.6;

/** Where the recogniser found the face and who it says it is. */
export interface FaceRef {
  descriptor: Float32Array;
  /** Face box the descriptor was computed on: face-api's own dlib-style landmark alignment. */
  aligned: faceapi.Rect;
  score: number;
}

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

function toTensor(img: RgbImage): faceapi.tf.Tensor3D {
  return tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
}

export class IdentityModel {
  private constructor(private readonly options: faceapi.SsdMobilenetv1Options) {}

  static async load(minConfidence = 0.3): Promise<IdentityModel> {
    if (!(await engine.setBackend('wasm'))) throw new Error('tfjs WASM backend unavailable');
    await engine.ready();
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
    return new IdentityModel(new faceapi.SsdMobilenetv1Options({ minConfidence }));
  }

  /**
   * Describes the face the recogniser finds in `img`: the one overlapping `target` most
   * (IoU >= 0.3, or lying inside it) when given, else the most confident. Null when it sees no such face.
   */
  async describe(img: RgbImage, target?: Xyxy): Promise<FaceRef | null> {
    const t = toTensor(img);
    try {
      const all = await faceapi
        .detectAllFaces(t, this.options)
        .withFaceLandmarks()
        .withFaceDescriptors();
      let best: (typeof all)[number] | undefined;
      let bestScore = target ? 0.3 : -1;
      for (const r of all) {
        const b = r.detection.box;
        const found: Xyxy = [b.x, b.y, b.x + b.width, b.y + b.height];
        // Truth boxes take in hair and ears, the recogniser's are tight: inside counts too.
        const score = target
          ? Math.max(iouXyxy(found, target), liesInside(found, target) ? 0.3 : 0)
          : r.detection.score;
        if (score >= bestScore) [best, bestScore] = [r, score];
      }
      if (!best) return null;
      return {
        descriptor: best.descriptor,
        aligned: best.landmarks.align(null, { useDlibAlignment: true }),
        score: best.detection.score,
      };
    } finally {
      t.dispose();
    }
  }

  /**
   * Describes whatever is at `ref`'s aligned box in `img` (same size as the image `ref`
   * came from): the attacker knows exactly where the face was, even if the recogniser
   * could no longer find it there.
   */
  async describeAt(img: RgbImage, ref: FaceRef): Promise<Float32Array> {
    const t = toTensor(img);
    const [face] = await faceapi.extractFaceTensors(t, [ref.aligned]);
    try {
      return (await faceapi.computeFaceDescriptor(face)) as Float32Array;
    } finally {
      face.dispose();
      t.dispose();
    }
  }
}

export function distance(a: Float32Array, b: Float32Array): number {
  return faceapi.euclideanDistance(a, b);
}
