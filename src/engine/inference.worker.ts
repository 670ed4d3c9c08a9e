/**
 * Inference worker thread: holds the model sessions and runs `detectFrame` for the pool.
 * Frames arrive in a SharedArrayBuffer owned by the pool slot, so nothing is cloned.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDetectors, warmUp, type DetectorSettings } from './detectors.factory.ts';
import { detectFrame } from './frame.detector.ts';
import type { DetectHints } from './region.detector.ts';
import type { AnonymizeOptions, Detection } from './types.ts';

export interface DetectRequest {
  id: number;
  buffer: SharedArrayBuffer;
  width: number;
  height: number;
  options: AnonymizeOptions;
  hints?: DetectHints;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; detections: Detection[] }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (!port) throw new Error('inference.worker must run in a worker thread');

const post = (message: WorkerMessage): void => port.postMessage(message);

try {
  const detectors = await openDetectors(workerData as DetectorSettings);
  await warmUp(detectors);
  port.on('message', (req: DetectRequest) => {
    const data = new Uint8Array(req.buffer, 0, req.width * req.height * 3);
    const frame = { data, width: req.width, height: req.height };
    detectFrame(frame, req.options, detectors, req.hints).then(
      (detections) => post({ type: 'result', id: req.id, detections }),
      (err: unknown) =>
        post({
          type: 'error',
          id: req.id,
          message: err instanceof Error ? err.message : String(err),
        }),
    );
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
