/**
 * Streaming frames through ffmpeg: `decodeFrames` yields upright yuv420p frames read from a
 * decoder's stdout; `openVideoWriter` feeds frames to an encoder whose output a muxer
 * combines with the original audio. Backpressure both ways: the decoder's pipe is read only
 * as fast as frames are consumed, and `write` waits for the encoder to drain, so memory stays
 * flat in the length of the video. Raw frames cross 1 MiB pipes read and written whole off this
 * thread (`frame.pipe.ts`) where the native module is built, else the children's stdio streams.
 *
 * Timestamp path (variable frame rate, see video/README.md): the decoder also reports each
 * frame's timestamp (`decodeArgs` with `timestamps`), frames carry it (`TimedFrame.pts`), and
 * the writer hands them to the encoder in Matroska (`mkv.raw.ts`) instead of a bare raw pipe.
 */
import { VeilError } from '../../errors.ts';
import { nativeSpawn } from '../child.process.ts';
import { spawnFfmpeg, type FfmpegProcess } from './ffmpeg.process.ts';
import {
  decodeArgs,
  encodeArgs,
  keepsTimestamps,
  muxArgs,
  type ContainerName,
  type EncoderSettings,
} from './ffmpeg-args.ts';
import { closeFd, rawPipe, readFrames, writeFull, type RawPipe } from './frame.pipe.ts';
import { FrameTimes, needsTimestamps } from './frame.times.ts';
import { rawMatroskaFrameHead, rawMatroskaHeader } from './mkv.raw.ts';
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
    /** Most free buffers kept. */
    public max = 32,
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

/**
 * Frame pools shared by this process's videos, one per frame size, so that the next video of a
 * size takes the buffers the last one gave back: a 1080p video's look-back holds ~110 MB of
 * frames, and allocating them anew for every video made V8 run a burst of full collections
 * as that much external memory appeared (~8 on the main thread at each 4 s clip's start).
 * A size's pool is dropped `IDLE_MS` after its last video ends.
 */
const shared = new Map<number, { pool: FramePool; users: number; idle?: NodeJS.Timeout }>();
const IDLE_MS = 30_000;

/** The shared pool for `frameSize`, keeping at least `keep` free buffers; `releaseFramePool` after. */
export function acquireFramePool(frameSize: number, keep: number): FramePool {
  let entry = shared.get(frameSize);
  if (!entry) {
    entry = { pool: new FramePool(frameSize, keep), users: 0 };
    shared.set(frameSize, entry);
  }
  clearTimeout(entry.idle);
  entry.users++;
  entry.pool.max = Math.max(entry.pool.max, keep);
  return entry.pool;
}

/** One video done with its shared pool; the pool goes once no video has used it for a while. */
export function releaseFramePool(pool: FramePool): void {
  const entry = shared.get(pool.frameSize);
  if (!entry || entry.pool !== pool) return;
  entry.users--;
  if (entry.users > 0) return;
  entry.idle = setTimeout(() => {
    if (shared.get(pool.frameSize) === entry && entry.users === 0) shared.delete(pool.frameSize);
  }, IDLE_MS);
  entry.idle.unref();
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

/** A decoded frame; on the timestamp path with its source timestamp (microseconds). */
export interface TimedFrame extends YuvFrame {
  /** Resolves to the frame's time (undefined if the decoder did not report it). */
  pts?: Promise<number | undefined>;
}

/**
 * Decodes the first video stream into upright yuv420p frames; stops ffmpeg when abandoned.
 * When the video's frame rate varies (`needsTimestamps`: the header says so or a packet scan
 * finds uneven gaps; needs `formatName`), each frame also carries its source timestamp.
 */
export async function* decodeFrames(
  input: string,
  info: Pick<VideoStreamInfo, 'displayWidth' | 'displayHeight'> &
    Partial<Pick<VideoStreamInfo, 'variableFrameRate' | 'formatName'>>,
  signal?: AbortSignal,
  pool?: FramePool,
): AsyncGenerator<TimedFrame> {
  const { displayWidth: width, displayHeight: height } = info;
  const timestamps = await needsTimestamps(input, info, signal);
  const pipe = rawPipe();
  let proc: FfmpegProcess;
  try {
    proc = spawnFfmpeg(decodeArgs({ input, timestamps }), {
      role: 'decoder',
      signal,
      stdout: pipe?.write ?? 'pipe',
      ...(timestamps ? { fd3: 'pipe' as const } : {}),
    });
  } finally {
    // The decoder holds the write end now: ours closed, its exit is the end of the frames.
    if (pipe) await closeFd(pipe.write);
  }
  const times = timestamps ? new FrameTimes(proc.fd3!) : undefined;
  const size = yuvFrameSize(width, height);
  const frames = pipe
    ? readFrames(pipe.read, size, () => pool?.take() ?? Buffer.allocUnsafe(size))
    : splitFrames(proc.stdout!, size, pool);
  let count = 0;
  try {
    for await (const data of frames) {
      // Not awaited here: the writer needs it frames later, when the line has long arrived.
      const pts = times?.at(count);
      count++;
      yield pts ? { data, width, height, pts } : { data, width, height };
    }
    await proc.done;
    if (count === 0) throw new VeilError('CORRUPT_MEDIA', 'The video has no decodable frame');
  } finally {
    proc.kill();
    if (pipe) await closeFd(pipe.read);
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
  write(frame: TimedFrame, written?: () => void): Promise<void>;
  /** Closes the input and waits for the file to be complete. */
  finish(): Promise<void>;
  /** Kills both processes (on error). */
  abort(): void;
}

/**
 * Encoder and muxer, started at the first frame: frames that carry timestamps (`decodeFrames`
 * found the rate variable) take the timestamp path, which every container but AVI keeps.
 */
export function openVideoWriter(o: VideoWriterOptions): VideoWriter {
  let timestamps = false;
  let all: FfmpegProcess[] = [];
  let encoder: FfmpegProcess | undefined;
  let aborted = false;
  // First process failure; wakes a write waiting for the pipe to drain.
  let failure: unknown;
  let wake: ((err: unknown) => void) | undefined;

  // A pipe of our own to the encoder (frame.pipe.ts), else its stdin stream; writes queue.
  let pipe: RawPipe | undefined;
  let pending: Promise<void> = Promise.resolve();
  const send = (data: Uint8Array) => {
    const fd = pipe!.write;
    pending = pending.then(() => writeFull(fd, data));
    return pending;
  };
  // Our write end is closed once, after the writes queued (finish, and abort after a failed
  // finish, both ask): a second close could hit a descriptor the process has reused.
  let inputClosed: Promise<void> | undefined;
  const closeInput = (fd: number) =>
    (inputClosed ??= pending.catch(() => undefined).then(() => closeFd(fd)));
  // The timestamp path starts once the first frame's time (the video's start) is known.
  // Encoded packets go from the encoder straight to the muxer where both hold a pipe of ours.
  let packets: RawPipe | undefined;
  const start = (videoStart: number): FfmpegProcess => {
    pipe = rawPipe();
    packets = pipe && nativeSpawn() ? rawPipe() : undefined;
    try {
      return spawnEncoder(videoStart);
    } finally {
      // The children hold their ends now.
      for (const fd of [pipe?.read, packets?.read, packets?.write])
        if (fd !== undefined) void closeFd(fd);
    }
  };
  const spawnEncoder = (videoStart: number): FfmpegProcess => {
    const enc = spawnFfmpeg(
      encodeArgs({
        container: o.container,
        width: o.info.displayWidth,
        height: o.info.displayHeight,
        frameRate: o.info.frameRate,
        rotation: o.info.rotation,
        settings: o.settings,
        timestamps,
      }),
      {
        role: 'encoder',
        signal: o.signal,
        stdin: pipe?.read ?? 'pipe',
        stdout: packets?.write ?? 'pipe',
      },
    );
    const muxer = spawnFfmpeg(
      muxArgs({
        container: o.container,
        input: o.input,
        output: o.output,
        audioCodecs: o.info.audioCodecs,
        rotation: o.info.rotation,
        frameRate: o.info.frameRate,
        timestamps,
        videoStart,
        timeBase: o.info.timeBase,
      }),
      { role: 'muxer', signal: o.signal, stdin: packets?.read ?? 'pipe' },
    );
    all = [enc, muxer];
    // A process that dies closes its pipe: swallow EPIPE here, report its exit status instead.
    enc.stdin?.on('error', () => undefined);
    muxer.stdin?.on('error', () => undefined);
    if (enc.stdout && muxer.stdin) enc.stdout.pipe(muxer.stdin);
    for (const p of all) {
      p.done.catch((err: unknown) => {
        failure ??= err;
        wake?.(err);
      });
    }
    if (timestamps) {
      const header = rawMatroskaHeader(o.info.displayWidth, o.info.displayHeight);
      if (pipe) void send(header).catch(() => undefined);
      else enc.stdin!.write(header);
    }
    return enc;
  };

  // Timestamp path: the first frame's time, and the last one written (both microseconds);
  // times written count from the first frame and only increase.
  let first: number | undefined;
  let last = -1;
  const frameTime = async (frame: TimedFrame) => {
    const t = await frame.pts;
    first ??= t ?? 0;
    const step = Math.round(1e6 / o.info.fps);
    const us = Math.max(t === undefined ? last + step : Math.round(t - first), last + 1);
    last = us;
    return us;
  };

  const write = async (frame: TimedFrame, written?: () => void) => {
    if (frame.width !== o.info.displayWidth || frame.height !== o.info.displayHeight) {
      throw new Error('frame size changed mid-stream');
    }
    if (aborted) throw new VeilError('CANCELLED');
    if (!encoder) timestamps = frame.pts !== undefined && keepsTimestamps(o.container);
    const time = timestamps ? await frameTime(frame) : 0;
    encoder ??= start((first ?? 0) / 1e6);
    if (failure) throw failure;
    if (pipe) {
      if (timestamps)
        void send(rawMatroskaFrameHead(time, frame.data.length)).catch(() => undefined);
      try {
        await send(frame.data);
      } catch {
        // EPIPE: the encoder is gone; its exit status says why.
        await failedOrClosed();
      }
      written?.();
      return;
    }
    const stdin = encoder.stdin!;
    if (stdin.destroyed) await failedOrClosed();
    if (timestamps) stdin.write(rawMatroskaFrameHead(time, frame.data.length));
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
      encoder ??= start(0);
      if (pipe) {
        await closeInput(pipe.write);
      } else {
        encoder.stdin!.end();
      }
      await Promise.all(all.map((p) => p.done));
    },
    abort() {
      aborted = true;
      for (const p of all) p.kill();
      // A write under way fails (EPIPE) once the encoder is gone; the fd is closed after it.
      if (pipe) void closeInput(pipe.write);
    },
  };
}
