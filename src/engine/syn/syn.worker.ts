/**
 * The `syn` worker thread: holds Human, face-api and the donor bank (loaded once), and
 * replaces one face per request on the region around it, so the meshing, rendering and
 * recognition (hundreds of ms per face) never block the main thread's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { synthesizeFace, type SynOutcome } from './face.synthesizer.ts';
import { loadSynContext } from './syn.context.ts';
import type { TrackMemory } from './track.memory.ts';
import type { Detection } from '../types.ts';

export interface SynRequest {
  id: number;
  /** The region around the face (RGB), transferred; it comes back changed. */
  data: Uint8Array;
  width: number;
  height: number;
  face: Detection;
  key: string;
  salt: string;
  track?: TrackMemory;
}

export type SynWorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data: Uint8Array; outcome: SynOutcome; track?: TrackMemory }
  | { type: 'error'; id: number; data: Uint8Array; message: string };

const port = parentPort;
if (!port) throw new Error('syn.worker must run in a worker thread');
const post = (m: SynWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const ctx = await loadSynContext();
  // Requests run one at a time: both recognisers share one single-threaded WASM backend.
  let queue: Promise<unknown> = Promise.resolve();
  port.on('message', (req: SynRequest) => {
    queue = queue.then(async () => {
      const frame = { data: req.data, width: req.width, height: req.height };
      try {
        const outcome = await synthesizeFace(ctx, frame, req.face, req.key, req.salt, req.track);
        post({ type: 'result', id: req.id, data: req.data, outcome, track: req.track }, [
          req.data.buffer as ArrayBuffer,
        ]);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        post({ type: 'error', id: req.id, data: req.data, message }, [
          req.data.buffer as ArrayBuffer,
        ]);
      }
    });
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
