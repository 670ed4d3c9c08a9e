/**
 * One ffmpeg child process: spawned with pipes, killed on abort, its exit turned into a
 * coded error carrying the last line ffmpeg wrote to stderr.
 *
 * Where the native module is built, the child is started with posix_spawn (`spawnNative`), not
 * Node's fork-based `spawn`: forking a process that holds the detectors blocked the event loop
 * for ~34 ms and made every page the inference threads wrote afterwards fault once more
 * (copy-on-write), on the order of a second of CPU per video on this project's VMs
 * (video/README.md). `VEIL_NATIVE_SPAWN=0` keeps Node's spawn.
 */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { VeilError } from '../../errors.ts';
import { nativeKernels, type NativeKernels } from '../../native/index.ts';
import { ffmpegEnv, ffmpegPaths } from '../ffmpeg.runtime.ts';
import { rawPipe } from './frame.pipe.ts';
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

/** How a child ended, as Node reports it: an exit code, or the signal that killed it. */
type Exit = { code: number | null; signal: string | null };

/** The native module where children are started with posix_spawn, else null. */
export function nativeSpawn(): NativeKernels | null {
  return process.env.VEIL_NATIVE_SPAWN === '0' ? null : nativeKernels();
}

export function spawnFfmpeg(args: string[], opts: SpawnOptions): FfmpegProcess {
  const native = nativeSpawn();
  let stderr = '';
  const started = native ? spawnNative(native, args, opts) : spawnNode(args, opts);
  started.stderr.setEncoding('utf8');
  started.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const onAbort = () => started.kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
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

interface Started {
  stdin?: Writable;
  stdout?: Readable;
  fd3?: Readable;
  stderr: Readable;
  /** Settles once the child has exited and its stderr is read to the end. */
  exit: Promise<Exit>;
  kill(): void;
}

function spawnNode(args: string[], opts: SpawnOptions): Started {
  const child = spawn(ffmpegPaths().ffmpeg, args, {
    env: ffmpegEnv(),
    stdio: [
      opts.stdin ?? 'ignore',
      opts.stdout ?? 'ignore',
      'pipe',
      ...(opts.fd3 ? ['pipe' as const] : []),
    ],
  });
  const exit = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    stdin: child.stdin ?? undefined,
    stdout: child.stdout ?? undefined,
    fd3: (child.stdio[3] as Readable | undefined) ?? undefined,
    stderr: child.stderr!,
    exit,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Signal numbers to names ("SIGKILL"), as Node reports a child's signal. */
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

function spawnNative(native: NativeKernels, args: string[], opts: SpawnOptions): Started {
  // The child's ends of the pipes asked for, and ours (closed here once it has its own).
  const childEnds: number[] = [];
  const pipeFor = (ours: 'read' | 'write') => {
    const p = rawPipe()!;
    childEnds.push(ours === 'read' ? p.write : p.read);
    return { child: ours === 'read' ? p.write : p.read, ours: ours === 'read' ? p.read : p.write };
  };
  const fdOf = (o: 'pipe' | 'ignore' | number | undefined, ours: 'read' | 'write') => {
    if (o === 'pipe') return pipeFor(ours);
    return { child: typeof o === 'number' ? o : -1, ours: -1 };
  };
  const stdin = fdOf(opts.stdin, 'write');
  const stdout = fdOf(opts.stdout, 'read');
  const err = pipeFor('read');
  const fd3 = opts.fd3 ? pipeFor('read') : undefined;
  const fds = Int32Array.of(stdin.child, stdout.child, err.child, ...(fd3 ? [fd3.child] : []));
  const env = Object.entries(ffmpegEnv())
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const reader = (fd: number) => new Socket({ fd, readable: true, writable: false });
  let exited = false;
  let pid = -1;
  let exit: Promise<Exit>;
  const streams: Started = { stderr: reader(err.ours), exit: undefined!, kill: () => undefined };
  try {
    const ended = new Promise<Exit>((resolve) => {
      pid = native.spawn(ffmpegPaths().ffmpeg, ['ffmpeg', ...args], env, fds, (code, signal) => {
        exited = true;
        resolve({ code, signal: signal === null ? null : signalName(signal) });
      });
    });
    // Like Node's 'close': the exit, and stderr read to its end.
    const drained = new Promise<void>((resolve) => streams.stderr.once('close', () => resolve()));
    exit = Promise.all([ended, drained]).then(([e]) => e);
  } catch (e) {
    exit = Promise.reject(e);
    streams.stderr.destroy();
  } finally {
    for (const fd of childEnds) closeSync(fd);
  }
  if (stdin.ours >= 0) {
    streams.stdin = new Socket({ fd: stdin.ours, readable: false, writable: true });
  }
  if (stdout.ours >= 0) streams.stdout = reader(stdout.ours);
  if (fd3) streams.fd3 = reader(fd3.ours);
  if (pid < 0) {
    streams.stdin?.destroy();
    streams.stdout?.destroy();
    streams.fd3?.destroy();
  }
  streams.exit = exit;
  streams.kill = () => {
    if (!exited && pid > 0) native.kill(pid, 9);
  };
  return streams;
}

function signalName(n: number): string {
  return SIGNAL_NAMES.get(n) ?? `signal ${n}`;
}
