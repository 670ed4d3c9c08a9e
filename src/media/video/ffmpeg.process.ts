/**
 * One ffmpeg child process: spawned with pipes, killed on abort, its exit turned into a
 * coded error carrying the last line ffmpeg wrote to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { VeilError } from '../../errors.ts';
import { ffmpegEnv, ffmpegPaths } from '../ffmpeg.runtime.ts';
import { lastLine } from './video.probe.ts';

const STDERR_TAIL = 8192;

export interface FfmpegProcess {
  child: ChildProcess;
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
  /** A third output pipe, `pipe:3` for ffmpeg, read from `child.stdio[3]`. */
  fd3?: 'pipe';
}

export function spawnFfmpeg(args: string[], opts: SpawnOptions): FfmpegProcess {
  const child = spawn(ffmpegPaths().ffmpeg, args, {
    env: ffmpegEnv(),
    stdio: [
      opts.stdin ?? 'ignore',
      opts.stdout ?? 'ignore',
      'pipe',
      ...(opts.fd3 ? ['pipe' as const] : []),
    ],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onAbort = () => kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new VeilError('INTERNAL', `ffmpeg ${opts.role} could not start`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      if (opts.signal?.aborted) return reject(new VeilError('CANCELLED'));
      const why = lastLine(stderr) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      reject(new VeilError('CORRUPT_MEDIA', `Video ${opts.role} failed: ${why}`));
    });
  });
  // Callers await `done` where it matters; never let an early rejection go unhandled.
  done.catch(() => undefined);
  return { child, done, kill };
}
