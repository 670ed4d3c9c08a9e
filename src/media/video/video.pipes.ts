/**
 * Streaming frames through ffmpeg: `decodeFrames` yields upright yuv420p frames read from a
 * decoder's stdout; `openVideoWriter` feeds frames to an encoder whose output a muxer
 * combines with the original audio. Backpressure both ways: the decoder's pipe is read only
 * as fast as frames are consumed, and `write` waits for the encoder to drain, so memory stays
 * flat in the length of the video.
 */
import type { Readable } from 'node:stream';
import { VeilError } from '../../errors.ts';
import { spawnFfmpeg, type FfmpegProcess } from './ffmpeg.process.ts';
import {
  decodeArgs,
  encodeArgs,
  muxArgs,
  type ContainerName,
  type EncoderSettings,
} from './ffmpeg-args.ts';
import type { VideoStreamInfo } from './video.probe.ts';
import { yuvFrameSize, type YuvFrame } from './yuv.frame.ts';

/**
 * Frame buffers handed back once written, so a long video does not allocate (and the GC
 * reclaim) megabytes per frame.
 */
export class FramePool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly frameSize: number,
    private readonly max = 32,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.frameSize);
  }

  give(data: Uint8Array): void {
    if (Buffer.isBuffer(data) && data.length === this.frameSize && this.free.length < this.max) {
      this.free.push(data);
    }
  }
}

/** Splits a byte stream into frames of `frameSize` bytes; a trailing partial frame is dropped. */
export async function* splitFrames(
  stream: AsyncIterable<Buffer>,
  frameSize: number,
  pool: FramePool = new FramePool(frameSize, 0),
): AsyncGenerator<Uint8Array> {
  let frame = pool.take();
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameSize - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameSize) {
        yield frame;
        frame = pool.take();
        filled = 0;
      }
    }
  }
}

/** Decodes the first video stream into upright yuv420p frames; stops ffmpeg when abandoned. */
export async function* decodeFrames(
  input: string,
  info: Pick<VideoStreamInfo, 'displayWidth' | 'displayHeight'>,
  signal?: AbortSignal,
  pool?: FramePool,
): AsyncGenerator<YuvFrame> {
  const { displayWidth: width, displayHeight: height } = info;
  const proc = spawnFfmpeg(decodeArgs({ input }), { role: 'decoder', signal, stdout: 'pipe' });
  let count = 0;
  try {
    for await (const data of splitFrames(
      proc.child.stdout as Readable,
      yuvFrameSize(width, height),
      pool,
    )) {
      count++;
      yield { data, width, height };
    }
    await proc.done;
    if (count === 0) throw new VeilError('CORRUPT_MEDIA', 'The video has no decodable frame');
  } finally {
    proc.kill();
  }
}

export interface VideoWriterOptions {
  input: string;
  output: string;
  container: ContainerName;
  info: VideoStreamInfo;
  settings?: EncoderSettings;
  signal?: AbortSignal;
}

export interface VideoWriter {
  /**
   * Resolves once ffmpeg can take more (waits while its pipe is full); `written` is called
   * when the frame's bytes are no longer needed (its buffer may be reused).
   */
  write(frame: YuvFrame, written?: () => void): Promise<void>;
  /** Closes the input and waits for the file to be complete. */
  finish(): Promise<void>;
  /** Kills both processes (on error). */
  abort(): void;
}

export function openVideoWriter(o: VideoWriterOptions): VideoWriter {
  const encoder = spawnFfmpeg(
    encodeArgs({
      container: o.container,
      width: o.info.displayWidth,
      height: o.info.displayHeight,
      frameRate: o.info.frameRate,
      rotation: o.info.rotation,
      settings: o.settings,
    }),
    { role: 'encoder', signal: o.signal, stdin: 'pipe', stdout: 'pipe' },
  );
  const muxer = spawnFfmpeg(
    muxArgs({
      container: o.container,
      input: o.input,
      output: o.output,
      audioCodecs: o.info.audioCodecs,
      rotation: o.info.rotation,
      frameRate: o.info.frameRate,
    }),
    { role: 'muxer', signal: o.signal, stdin: 'pipe' },
  );
  const all: FfmpegProcess[] = [encoder, muxer];
  // A process that dies closes its pipe: swallow EPIPE here, report its exit status instead.
  encoder.child.stdin!.on('error', () => undefined);
  muxer.child.stdin!.on('error', () => undefined);
  encoder.child.stdout!.pipe(muxer.child.stdin!);
  // First process failure; wakes a write waiting for the pipe to drain.
  let failure: unknown;
  let wake: ((err: unknown) => void) | undefined;
  for (const p of all) {
    p.done.catch((err: unknown) => {
      failure ??= err;
      wake?.(err);
    });
  }

  const write = async (frame: YuvFrame, written?: () => void) => {
    if (frame.width !== o.info.displayWidth || frame.height !== o.info.displayHeight) {
      throw new Error('frame size changed mid-stream');
    }
    const stdin = encoder.child.stdin!;
    if (failure) throw failure;
    if (stdin.destroyed) await failedOrClosed();
    if (!stdin.write(frame.data, () => written?.())) await drained(stdin);
  };
  const drained = (stdin: NodeJS.WritableStream & { destroyed: boolean }) =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: unknown) => {
        stdin.off('drain', onDrain);
        stdin.off('close', onClose);
        wake = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => failedOrClosed().catch(done);
      stdin.on('drain', onDrain);
      stdin.on('close', onClose);
      wake = done;
    });
  // The pipe closed: surface the process error that closed it.
  const failedOrClosed = async (): Promise<never> => {
    await Promise.all(all.map((p) => p.done));
    throw new VeilError('CORRUPT_MEDIA', 'Video encoder stopped early');
  };
  return {
    write,
    async finish() {
      encoder.child.stdin!.end();
      await Promise.all(all.map((p) => p.done));
    },
    abort() {
      for (const p of all) p.kill();
    },
  };
}
