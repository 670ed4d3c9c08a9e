/**
 * One ffmpeg child process: spawned with pipes, killed on abort, its exit turned into a
 * coded error carrying the last line ffmpeg wrote to stderr.
 *
 * Started by `startChild` (../child.process.ts): posix_spawn where the native module is built.
 */
import type { Readable, Writable } from 'node:stream';
import { VeilError } from '../../errors.ts';
import { startChild } from '../child.process.ts';
import { ffmpegEnv, ffmpegPaths } from '../ffmpeg.runtime.ts';
import { lastLine } from './video.probe.ts';

const STDERR_TAIL = 8192;

export interface FfmpegProcess {
  /** The child's stdin, where spawned with `stdin: 'pipe'`. */
  stdin?: Writable;
  /** The child's stdout, where spawned with `stdout: 'pipe'`. */
  stdout?: Readable;
  /** The child's fd 3 (`pipe:3`), where spawned with `fd3: 'pipe'`. */
  fd3?: Readable;
  /** Resolves on exit 0; rejects with CORRUPT_MEDIA (or CANCELLED) otherwise. */
  done: Promise<void>;
  kill(): void;
}

export interface SpawnOptions {
  /** Names the role in error messages: "decoder", "encoder", "muxer". */
  role: string;
  signal?: AbortSignal;
  /** 'pipe' (a stream on the child), or a file descriptor of ours the child gets as its own. */
  stdin?: 'pipe' | 'ignore' | number;
  stdout?: 'pipe' | 'ignore' | number;
  /** A third output pipe, `pipe:3` for ffmpeg, read from `fd3`. */
  fd3?: 'pipe';
}

export function spawnFfmpeg(args: string[], opts: SpawnOptions): FfmpegProcess {
  let stderr = '';
  const started = startChild(ffmpegPaths().ffmpeg, args, { ...opts, env: ffmpegEnv() });
  started.stderr.setEncoding('utf8');
  started.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const onAbort = () => started.kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const done = started.exit.then(
    ({ code, signal }) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return;
      if (opts.signal?.aborted) throw new VeilError('CANCELLED');
      const why = lastLine(stderr) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      throw new VeilError('CORRUPT_MEDIA', `Video ${opts.role} failed: ${why}`);
    },
    (err: unknown) => {
      opts.signal?.removeEventListener('abort', onAbort);
      throw new VeilError('INTERNAL', `ffmpeg ${opts.role} could not start`, { cause: err });
    },
  );
  // Callers await `done` where it matters; never let an early rejection go unhandled.
  done.catch(() => undefined);
  const { stdin, stdout, fd3, kill } = started;
  return { stdin, stdout, fd3, done, kill };
}
