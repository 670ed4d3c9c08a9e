/**
 * The main thread's side of the `syn` worker (syn.worker.ts): one worker per process, started
 * on the first face and loading the models once; each face's region is transferred to it and
 * back. The worker is unreferenced while idle, so it never keeps a process alive.
 */
import { Worker } from 'node:worker_threads';
import type { Detection, RgbFrame } from '../types.ts';
import type { SynOutcome } from './face.synthesizer.ts';
import type { SynRequest, SynWorkerMessage } from './syn.worker.ts';
import type { TrackMemory } from './track.memory.ts';

const ENTRY = new URL('./syn.worker.js', import.meta.url);

interface Pending {
  resolve: (r: { data: Uint8Array; outcome: SynOutcome; track?: TrackMemory }) => void;
  reject: (e: Error) => void;
}

let worker: Promise<Worker> | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

function start(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const w = new Worker(ENTRY);
    w.unref();
    w.on('message', (m: SynWorkerMessage) => {
      if (m.type === 'ready') return resolve(w);
      if (m.type === 'failed') return reject(new Error(`syn worker failed to start: ${m.message}`));
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (pending.size === 0) w.unref();
      if (m.type === 'result') p.resolve(m);
      else p.reject(new Error(m.message));
    });
    const fail = (err: Error) => {
      worker = undefined;
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`syn worker exited with code ${code}`)));
  });
}

/** Starts the worker (if not yet) and waits until its models are loaded. */
export async function startSynWorker(): Promise<void> {
  worker ??= start();
  worker.catch(() => (worker = undefined));
  await worker;
}

/**
 * Replaces `face` in `region` (in place) on the worker. `track` is the face's track memory:
 * the worker returns it updated, and it is copied back into the object given.
 */
export async function synthesizeInWorker(
  region: RgbFrame,
  face: Detection,
  key: string,
  salt: string,
  track?: TrackMemory,
): Promise<SynOutcome> {
  await startSynWorker();
  const w = await worker!;
  const id = nextId++;
  const data = region.data.slice();
  const result = await new Promise<{ data: Uint8Array; outcome: SynOutcome; track?: TrackMemory }>(
    (resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.ref();
      const req: SynRequest = {
        id,
        data,
        width: region.width,
        height: region.height,
        face,
        key,
        salt,
        track,
      };
      w.postMessage(req, [data.buffer as ArrayBuffer]);
    },
  );
  region.data.set(result.data);
  if (track && result.track) Object.assign(track, result.track);
  return result.outcome;
}

/** Stops the worker (tests, shutdown); the next face starts a new one. */
export async function stopSynWorker(): Promise<void> {
  const w = await worker?.catch(() => undefined);
  worker = undefined;
  await w?.terminate();
}
