/**
 * Raw frames over real pipes read and written in whole frames. Node hands a child's 'pipe'
 * stdio to it as a Unix socket, which it reads in 64 KiB chunks on this thread (a new Buffer
 * each, copied into the frame, then collected) and writes through a ~200 KiB socket buffer: for
 * raw 1080p video (3 MB a frame, both ways) that was 10-13 ms of this thread per frame, over
 * half of it in the kernel. Here the decoder writes into, and the encoder reads from, a pipe of
 * 1 MiB made by the native module; the frame is read straight into its pooled buffer and written
 * from it by `fs.read` / `fs.write` on libuv's thread pool, a few calls per frame
 * (video/README.md). Without the native module the stdio sockets remain (`rawPipe` is undefined).
 */
import { close, read, write } from 'node:fs';
import { promisify } from 'node:util';
import { nativeKernels } from '../../native/index.ts';

const readAsync = promisify(read);
const writeAsync = promisify(write);

/** Pipe capacity asked for (Linux's pipe-max-size for unprivileged processes by default). */
const PIPE_BYTES = 2 ** 20;

export interface RawPipe {
  /** Read end (blocking, close-on-exec). */
  read: number;
  /** Write end (blocking, close-on-exec). */
  write: number;
}

/** A new pipe of 1 MiB where the native module is there, else undefined. */
export function rawPipe(): RawPipe | undefined {
  const native = nativeKernels();
  if (!native) return undefined;
  const [r, w] = native.pipe();
  native.pipeCapacity(r, PIPE_BYTES);
  return { read: r, write: w };
}

/** Closes `fd`, ignoring errors (already closed by an earlier path). */
export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

/**
 * Fills `buf` from `fd`; resolves to the bytes read, fewer than its length only at end of
 * file (0: the stream ended on a frame boundary).
 */
export async function readFull(fd: number, buf: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await readAsync(fd, buf, filled, buf.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Writes all of `buf` to `fd` (rejects with the system's error, EPIPE once the reader died). */
export async function writeFull(fd: number, buf: Uint8Array): Promise<void> {
  for (let done = 0; done < buf.length;) {
    done += (await writeAsync(fd, buf, done, buf.length - done, null)).bytesWritten;
  }
}

/**
 * Frames of `frameSize` bytes read from `fd` into buffers `take` gives; a trailing partial frame
 * is dropped (as `splitFrames`).
 */
export async function* readFrames(
  fd: number,
  frameSize: number,
  take: () => Buffer,
): AsyncGenerator<Buffer> {
  for (;;) {
    const frame = take();
    if ((await readFull(fd, frame.subarray(0, frameSize))) < frameSize) return;
    yield frame;
  }
}
