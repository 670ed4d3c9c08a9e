/**
 * Dense face geometry and identity for `syn`: @vladmandic/human (MIT) on the TensorFlow.js
 * WASM backend, everything from disk. Its 468-point mesh gives the shape to warp onto; its
 * `faceres` descriptor is the fail-safe's recogniser. The node-wasm build is not in the
 * package's export map, so it is loaded by path; models load through a `file://` fetch.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RgbFrame } from '../types.ts';
import { faceAngles, meshFromRaw, nextBox, type MeshBox } from './mesh.tracking.ts';
import {
  addOrtTwin,
  synNetsOnOrt,
  type GraphModelLike,
  type TensorLike,
  type Twin,
} from './ort.models.ts';
import { convertGraphModel } from './tfjs-graph.onnx.ts';
import { cutTurned, trackedInput } from './tracked.input.ts';

/** What Human says about the most prominent face of an image. */
/** Human's minimum face score (`face.detector.minConfidence` in the config below). */
const MIN_FACE_SCORE = 0.2;

/** A track's face meshed in a known box (`FaceMeshRuntime.track`). */
export interface TrackedFace {
  mesh: [number, number, number][];
  /** Box to mesh the next frame in (image pixels). */
  box: MeshBox;
  yaw: number;
  pitch: number;
  roll: number;
}

export interface FaceAnalysis {
  /** 468 points [x, y, z] in pixels of the analysed image. */
  mesh: [number, number, number][];
  box: [number, number, number, number];
  score: number;
  /** Radians; yaw > 0: turned to the image's left. */
  yaw: number;
  pitch: number;
  roll: number;
  /** `faceres` 1024-D descriptor; empty when description is off. */
  embedding: number[];
  gender: 'female' | 'male' | 'unknown';
  genderScore: number;
  age: number;
}

interface HumanResult {
  face: {
    mesh: [number, number, number][];
    box: [number, number, number, number];
    score: number;
    embedding?: number[];
    gender: string;
    genderScore: number;
    age: number;
    rotation?: { angle: { yaw: number; pitch: number; roll: number } } | null;
  }[];
}

/** The little of TensorFlow.js the tracked mesh uses (Human's own instance). */
interface Tensor extends TensorLike {
  shape: number[];
  /** The backend's storage: tensors that share it (reshape, expandDims) share this. */
  dataId: object;
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
  dispose(): void;
}

interface GraphModel extends GraphModelLike<Tensor> {
  inputs: { shape?: number[] }[];
}

/** Human's networks that `syn` runs (face detector, mesh, description). */
export const HUMAN_NETS = ['blazeface', 'facemesh', 'faceres'] as const;
export type HumanNet = (typeof HUMAN_NETS)[number];

export interface HumanLike {
  load(): Promise<void>;
  models: { models: Partial<Record<HumanNet, GraphModel | null>> };
  detect(input: unknown, config?: object): Promise<HumanResult>;
  faceTriangulation: number[];
  faceUVMap: [number, number][];
  match: { similarity(a: number[], b: number[]): number };
  tf: {
    tensor(data: Float32Array, shape: number[], dtype: 'float32'): Tensor;
    tensor3d(data: Int32Array | Uint8Array | Float32Array, shape: number[], dtype: string): Tensor;
    tidy<T>(run: () => T): T;
    getBackend(): string;
    cast(x: Tensor, dtype: string): Tensor;
    expandDims(x: Tensor, axis: number): Tensor;
    reshape(x: Tensor, shape: number[]): Tensor;
    div(x: Tensor, y: number): Tensor;
    dispose(t: Tensor | Tensor[]): void;
    image: {
      cropAndResize(
        img: Tensor,
        boxes: number[][],
        index: number[],
        size: number[],
        method?: string,
        extrapolation?: number,
      ): Tensor;
      rotateWithOffset(img: Tensor, radians: number, fill: number, centre: number[]): Tensor;
    };
  };
}

const require = createRequire(import.meta.url);

function humanDir(): string {
  return path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..');
}

/** Serves `file://` URLs from disk while Human loads its models; other URLs are refused. */
async function withFileFetch<T>(run: () => Promise<T>): Promise<T> {
  const original = globalThis.fetch;
  globalThis.fetch = (async (url: string | URL | Request) => {
    const href = url instanceof Request ? url.url : String(url);
    if (!href.startsWith('file://')) throw new Error(`No network access for models: ${href}`);
    return new Response(await readFile(new URL(href)));
  }) as typeof fetch;
  try {
    return await run();
  } finally {
    globalThis.fetch = original;
  }
}

let shared: Promise<HumanLike> | undefined;

/**
 * Human on the TensorFlow.js WASM backend with the models `syn` uses loaded (from disk), one
 * instance per thread: Human keeps its models in module state, shared by all its instances.
 */
export function loadHuman(): Promise<HumanLike> {
  shared ??= createHuman();
  return shared;
}

async function createHuman(): Promise<HumanLike> {
  const dir = humanDir();
  const { Human } = require(path.join(dir, 'dist/human.node-wasm.js')) as {
    Human: new (config: object) => HumanLike;
  };
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const off = { enabled: false };
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${wasmDir}/`,
    modelBasePath: `file://${dir}/models/`,
    // Without this, near-identical inputs (video frames, retries) return cached results.
    cacheSensitivity: 0,
    debug: false,
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 3, minConfidence: MIN_FACE_SCORE, return: false },
      mesh: { enabled: true },
      iris: off,
      description: { enabled: true },
      emotion: off,
      antispoof: off,
      liveness: off,
      attention: off,
    },
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
  });
  await withFileFetch(() => human.load());
  return human;
}

/** Whether the Human call now running uses the onnxruntime twins (see `FaceMeshRuntime`). */
let onOrt = false;
/** Every Human call of the thread, one after the other (shared models, and the flag above). */
let humanQueue: Promise<unknown> = Promise.resolve();

/**
 * Reused for every input: the WASM backend copies a tensor's values into its own memory (a
 * CPU backend would keep the array, so it gets a new one); calls run one at a time.
 */
let pixels = new Float32Array(0);

/** `data` as float32 values, in a buffer reused by the next call (no 3 MB garbage per call). */
function floatPixels(data: Uint8Array, backend: string): Float32Array {
  if (backend !== 'wasm') return Float32Array.from(data);
  if (pixels.length < data.length) pixels = new Float32Array(data.length);
  const out = pixels.subarray(0, data.length);
  out.set(data);
  return out;
}

/** The image of the Human detection now running: its input tensor's storage and its bytes. */
let input: { dataId: object; img: RgbFrame } | undefined;

/**
 * Human's detector path turns the whole image (`rotateWithOffset`) before it cuts the face out
 * of it (`cropAndResize`, facemeshutil's correctFaceRotation and cutAndResize) when the face
 * is rolled beyond 0.2 rad: on the WASM backend the turn of a whole 512 px crop costs more
 * than the face-mesh network on onnxruntime. During calls on onnxruntime a turn of the call's
 * own input (the tensor `run` made, recognised by its storage: Human only adds a batch axis)
 * is put off: `rotateWithOffset` hands back a stand-in (a reshape, which shares the storage
 * and copies nothing), and a `cropAndResize` of a stand-in computes the turned image at its
 * samples only from the input's bytes (`cutTurned`, the backend's float32 arithmetic bit for
 * bit: test/integration/syn/tracked-input.test.ts). A cut this does not cover turns the image
 * for real first. Idempotent. (An earlier version read the whole image back from the backend
 * with `dataSync` and copied it for the stand-in, which cost more than the turn it saved.)
 */
/** Whether turns are put off (tests compare both ways), and how many cuts computed them. */
export const deferredTurns = { on: true, cut: 0 };

function deferTurns(tf: HumanLike['tf']): void {
  const image = tf.image as HumanLike['tf']['image'] & { veilDeferred?: true };
  if (image.veilDeferred) return;
  const rotate = image.rotateWithOffset;
  const crop = image.cropAndResize;
  const standIns = new WeakMap<
    Tensor,
    { radians: number; centre: [number, number]; img: RgbFrame }
  >();
  image.rotateWithOffset = (img, radians, fill, centre) => {
    const now = input;
    const mine =
      onOrt &&
      deferredTurns.on &&
      now !== undefined &&
      img.dataId === now.dataId &&
      fill === 0 &&
      typeof radians === 'number' &&
      img.shape.length === 4 &&
      img.shape[0] === 1 &&
      img.shape[1] === now.img.height &&
      img.shape[2] === now.img.width &&
      img.shape[3] === 3 &&
      Array.isArray(centre) &&
      centre.length === 2;
    if (!mine) return rotate(img, radians, fill, centre);
    const standIn = tf.reshape(img, img.shape);
    standIns.set(standIn, { radians, centre: [centre[0], centre[1]], img: now.img });
    return standIn;
  };
  image.cropAndResize = (img, boxes, index, size, method = 'bilinear', extrapolation = 0) => {
    const turn = standIns.get(img);
    if (!turn) return crop(img, boxes, index, size, method, extrapolation);
    const fits =
      Array.isArray(boxes) &&
      boxes.length === 1 &&
      boxes[0].length === 4 &&
      Array.isArray(index) &&
      index.length === 1 &&
      index[0] === 0 &&
      size[0] === size[1] &&
      method === 'bilinear' &&
      extrapolation === 0;
    if (!fits) {
      const turned = rotate(img, turn.radians, 0, turn.centre);
      try {
        return crop(turned, boxes, index, size, method, extrapolation);
      } finally {
        turned.dispose();
      }
    }
    const { data, width, height } = turn.img;
    const [y1, x1, y2, x2] = boxes[0];
    const out = cutTurned(data, width, height, turn, [y1, x1, y2, x2], size[0], 1);
    deferredTurns.cut++;
    return tf.tensor(out, [1, size[0], size[1], 3], 'float32');
  };
  image.veilDeferred = true;
}

/**
 * Gives Human's networks an onnxruntime twin (`ort.models.ts`): the same graphs, converted
 * in memory from the weights in the package; Human's own pre- and post-processing are kept.
 * A model runs on its twin during calls of a runtime loaded with `onnx`. Returns both ways
 * of running each network, for comparisons.
 */
export async function humanOnOrt(
  human: HumanLike,
  nets: readonly HumanNet[] = HUMAN_NETS,
): Promise<Record<HumanNet, Twin<Tensor>>> {
  const out: Partial<Record<HumanNet, Twin<Tensor>>> = {};
  deferTurns(human.tf);
  for (const name of nets) {
    const model = human.models.models[name];
    if (!model) throw new Error(`Human model ${name} not loaded`);
    const converted = await convertGraphModel(path.join(humanDir(), 'models', `${name}.json`));
    out[name] = addOrtTwin(model, converted, human.tf, () => onOrt);
  }
  return out as Record<HumanNet, Twin<Tensor>>;
}

export class FaceMeshRuntime {
  private constructor(
    private readonly human: HumanLike,
    /** Whether Human's networks run on onnxruntime for this runtime's calls. */
    readonly onnx: boolean,
  ) {}

  /**
   * `onnx` (default): Human's networks run on onnxruntime (several times faster than the
   * WASM backend, same results to float rounding; `test/integration/syn/ort-nets.test.ts`);
   * `onnx: false`: on TensorFlow.js, as the library runs them (eval's independent judge).
   * Runtimes of a thread share one Human; each call runs on its runtime's networks.
   */
  static async load({ onnx = synNetsOnOrt() } = {}): Promise<FaceMeshRuntime> {
    const human = await loadHuman();
    if (onnx) await humanOnOrt(human);
    return new FaceMeshRuntime(human, onnx);
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const p = humanQueue.then(() => {
      onOrt = this.onnx;
      return run();
    });
    humanQueue = p.catch(() => undefined);
    return p;
  }

  /** Triangles of the 468-point mesh, three point indices each. */
  get triangles(): number[] {
    return this.human.faceTriangulation;
  }

  /** Canonical texture coordinates (0..1) of the 468 points. */
  get uv(): [number, number][] {
    return this.human.faceUVMap;
  }

  /** Cosine-like similarity 0..1 of two `faceres` descriptors (same person ~0.7-0.9). */
  similarity(a: number[], b: number[]): number {
    return this.human.match.similarity(a, b);
  }

  /**
   * Faces of `img` (an RGB crop), largest-first order as Human returns them. Calls are
   * serialised: the WASM backend is single-threaded and keeps global state. `describe: false`
   * skips `faceres` (descriptor, gender, age: about a third of the time): mesh only.
   */
  analyze(img: RgbFrame, { describe = true } = {}): Promise<FaceAnalysis[]> {
    return this.serial(() => this.run(img, describe));
  }

  /**
   * The mesh of the face in `box` (Human's square face box of the previous frame of a
   * track, moved with the tracked face) without the face detector, as Human follows a face
   * in video: about a third of `analyze`'s time. No descriptor, gender or age. Undefined
   * when the mesh model's face score is below Human's minimum (the caller meshes afresh).
   */
  track(img: RgbFrame, box: MeshBox, roll: number): Promise<TrackedFace | undefined> {
    return this.serial(() => this.runTracked(img, box, roll));
  }

  private async runTracked(
    img: RgbFrame,
    box: MeshBox,
    roll: number,
  ): Promise<TrackedFace | undefined> {
    const model = this.human.models.models.facemesh;
    if (!model) return undefined;
    const size = model.inputs[0].shape?.[2] ?? 192;
    const { tf } = this.human;
    const [, , bw, bh] = box;
    // rotateWithOffset + cropAndResize + div(255) of the WASM backend, bit for bit, computed at
    // the model's samples only (tracked.input.ts).
    const face = tf.tensor(trackedInput(img, box, roll, size), [1, size, size, 3], 'float32');
    let outputs: Tensor[];
    try {
      const out = model.execute(face);
      outputs = Array.isArray(out) ? out : [out];
    } finally {
      face.dispose();
    }
    try {
      const score = outputs.find((t) => t.shape[t.shape.length - 1] === 1);
      const points = outputs.find((t) => t.shape[t.shape.length - 1] === 1404);
      if (!score || !points) return undefined;
      if ((await score.data())[0] < MIN_FACE_SCORE) return undefined;
      const mesh = meshFromRaw(await points.data(), box, roll, size);
      return { mesh, box: nextBox(mesh, box), ...faceAngles(mesh, Math.max(bw, bh), size) };
    } finally {
      tf.dispose(outputs);
    }
  }

  private async run(img: RgbFrame, describe: boolean): Promise<FaceAnalysis[]> {
    // float32 (the bytes' own values): Human casts an int32 input to float32 anyway, and an
    // input it does not copy keeps its storage, by which a turn of it is recognised.
    const t = this.human.tf.tensor3d(
      floatPixels(img.data, this.human.tf.getBackend()),
      [img.height, img.width, 3],
      'float32',
    );
    input = { dataId: t.dataId, img };
    try {
      // Human merges a per-call config into its own: say it every time.
      const result = await this.human.detect(t, { face: { description: { enabled: describe } } });
      return result.face
        .filter((f) => f.mesh?.length === 468)
        .map((f) => ({
          mesh: f.mesh,
          box: f.box,
          score: f.score,
          yaw: f.rotation?.angle.yaw ?? 0,
          pitch: f.rotation?.angle.pitch ?? 0,
          roll: f.rotation?.angle.roll ?? 0,
          embedding: f.embedding ?? [],
          gender: f.gender === 'female' || f.gender === 'male' ? f.gender : 'unknown',
          genderScore: f.genderScore,
          age: f.age,
        }));
    } finally {
      input = undefined;
      t.dispose();
    }
  }
}
