/**
 * A small pool of inference worker threads. Each slot owns a SharedArrayBuffer that frames are
 * copied into (one memcpy, no structured clone, the caller's buffer stays usable), and runs one
 * frame at a time; extra calls wait in a FIFO queue.
 */
import { Worker } from 'node:worker_threads';
import type { DetectorSettings } from './detectors.factory.ts';
import type { DetectRequest, WorkerMessage } from './inference.worker.ts';
import type { DetectHints } from './region.detector.ts';
import type { AnonymizeOptions, Detection, RgbFrame } from './types.ts';

const WORKER_ENTRY = new URL('./inference.worker.js', import.meta.url);

interface Pending {
  resolve: (d: Detection[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  buffer: SharedArrayBuffer;
  pending?: Pending & { id: number };
}

interface Queued extends Pending {
  frame: RgbFrame;
  options: AnonymizeOptions;
  hints?: DetectHints;
}

export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly settings: DetectorSettings) {}

  /** Start `size` workers and wait until each has loaded and warmed up its models. */
  static async start(size: number, settings: DetectorSettings): Promise<InferencePool> {
    const pool = new InferencePool(settings);
    try {
      await Promise.all(Array.from({ length: Math.max(1, size) }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Workers running (a dead one is replaced). */
  get size(): number {
    return this.slots.length;
  }

  detect(frame: RgbFrame, options: AnonymizeOptions, hints?: DetectHints): Promise<Detection[]> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ frame, options, hints, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('inference pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
    this.idle.length = 0;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_ENTRY, { workerData: this.settings });
      const slot: Slot = { worker, buffer: new SharedArrayBuffer(0) };
      let ready = false;
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          ready = true;
          this.slots.push(slot);
          this.release(slot);
          resolve();
        } else if (msg.type === 'failed') {
          reject(new Error(`inference worker failed to start: ${msg.message}`));
          void worker.terminate();
        } else {
          const pending = slot.pending;
          if (!pending || pending.id !== msg.id) return;
          slot.pending = undefined;
          if (msg.type === 'result') pending.resolve(msg.detections);
          else pending.reject(new Error(msg.message));
          this.release(slot);
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        slot.pending?.reject(err);
        slot.pending = undefined;
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`inference worker exited with code ${code} while starting`));
        this.forget(slot, code);
      });
    });
  }

  /** A worker died: fail its frame, and start a replacement so the pool keeps its size. */
  private forget(slot: Slot, code: number): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const j = this.idle.indexOf(slot);
    if (j >= 0) this.idle.splice(j, 1);
    slot.pending?.reject(new Error(`inference worker exited with code ${code}`));
    slot.pending = undefined;
    if (!this.closed) {
      this.spawn().catch((err: unknown) => {
        for (const q of this.queue.splice(0))
          q.reject(err instanceof Error ? err : new Error(String(err)));
      });
    }
  }

  private release(slot: Slot): void {
    this.idle.push(slot);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const slot = this.idle.shift() as Slot;
      const job = this.queue.shift() as Queued;
      const bytes = job.frame.width * job.frame.height * 3;
      if (slot.buffer.byteLength < bytes) slot.buffer = new SharedArrayBuffer(bytes);
      new Uint8Array(slot.buffer, 0, bytes).set(job.frame.data.subarray(0, bytes));
      const id = this.nextId++;
      slot.pending = { id, resolve: job.resolve, reject: job.reject };
      const req: DetectRequest = {
        id,
        buffer: slot.buffer,
        width: job.frame.width,
        height: job.frame.height,
        options: job.options,
        hints: job.hints,
      };
      slot.worker.postMessage(req);
    }
  }
}
