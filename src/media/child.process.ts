/**
 * Child processes for the media tools (ffmpeg, ffprobe) started without forking this process
 * where the native module is built: `posix_spawn` (src/native/spawn.c). Forking a process that
 * holds the detectors (~1 GB) blocked the event loop for ~34 ms and left every private page
 * copy-on-write, so the inference threads faulted once more on each page they wrote afterwards:
 * on the order of a second of CPU per video on this project's VMs (video/README.md, "The cost
 * of moving raw frames"). `VEIL_NATIVE_SPAWN=0`, or no native module: Node's child_process.
 */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { nativeKernels, type NativeKernels } from '../native/index.ts';
import { rawPipe } from './video/frame.pipe.ts';

/** How a child ended, as Node reports it: an exit code, or the signal that killed it. */
export type Exit = { code: number | null; signal: string | null };

export interface ChildOptions {
  /** 'pipe' (a stream of ours), 'ignore', or a file descriptor of ours the child gets. */
  stdin?: 'pipe' | 'ignore' | number;
  stdout?: 'pipe' | 'ignore' | number;
  /** A readable fd 3 (ffmpeg's `pipe:3`). */
  fd3?: 'pipe';
  env?: NodeJS.ProcessEnv;
}

/** The native module where children are started with posix_spawn, else null. */
export function nativeSpawn(): NativeKernels | null {
  return process.env.VEIL_NATIVE_SPAWN === '0' ? null : nativeKernels();
}

/** Starts `file`; its stderr is always a stream (to read, or the child may block on it). */
export function startChild(file: string, args: string[], opts: ChildOptions): Started {
  const native = nativeSpawn();
  return native ? spawnNative(native, file, args, opts) : spawnNode(file, args, opts);
}

/**
 * Runs `file` to its end, as `execFile` does: resolves with its output on exit 0, else rejects
 * with an Error carrying `code` (exit code), `signal`, `stdout` and `stderr`.
 */
export async function execChild(
  file: string,
  args: string[],
  opts: { signal?: AbortSignal; maxBuffer?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const max = opts.maxBuffer ?? 1024 * 1024;
  if (opts.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
  const child = startChild(file, args, { stdout: 'pipe' });
  const text = { stdout: '', stderr: '' };
  const collect = (stream: Readable, key: 'stdout' | 'stderr') => {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text[key] += chunk;
      if (text[key].length > max) child.kill();
    });
    return new Promise<void>((resolve) => stream.once('close', () => resolve()));
  };
  const read = Promise.all([collect(child.stdout!, 'stdout'), collect(child.stderr, 'stderr')]);
  const onAbort = () => child.kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { code, signal } = await child.exit;
    await read;
    if (code === 0) return text;
    throw Object.assign(new Error(`${file} exited with ${code ?? signal}`), {
      code,
      signal,
      ...text,
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

export interface Started {
  stdin?: Writable;
  stdout?: Readable;
  fd3?: Readable;
  stderr: Readable;
  /** Settles once the child has exited and its stderr is read to the end. */
  exit: Promise<Exit>;
  kill(): void;
}

function spawnNode(file: string, args: string[], opts: ChildOptions): Started {
  const child = spawn(file, args, {
    env: opts.env ?? process.env,
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

function spawnNative(
  native: NativeKernels,
  file: string,
  args: string[],
  opts: ChildOptions,
): Started {
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
  const env = Object.entries(opts.env ?? process.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const reader = (fd: number) => new Socket({ fd, readable: true, writable: false });
  const streams: Started = { stderr: reader(err.ours), exit: undefined!, kill: () => undefined };
  if (stdin.ours >= 0) {
    streams.stdin = new Socket({ fd: stdin.ours, readable: false, writable: true });
  }
  if (stdout.ours >= 0) streams.stdout = reader(stdout.ours);
  if (fd3) streams.fd3 = reader(fd3.ours);
  const readables = [streams.stderr, streams.stdout, streams.fd3].filter((r) => r !== undefined);
  const closed = readables.map((r) => new Promise<void>((resolve) => r.once('close', resolve)));
  let exited = false;
  let pid = -1;
  try {
    const ended = new Promise<Exit>((resolve) => {
      pid = native.spawn(file, [file, ...args], env, fds, (code, signal) => {
        exited = true;
        resolve({ code, signal: signal === null ? null : signalName(signal) });
      });
    });
    // Like Node's 'close': the exit, and every output read to its end (one nobody reads is
    // let flow and dropped, as Node does at a child's exit).
    streams.exit = ended.then(async (e) => {
      for (const r of readables) if (r.readableFlowing === null) r.resume();
      await Promise.all(closed);
      return e;
    });
  } catch (e) {
    streams.exit = Promise.reject(e);
    streams.stdin?.destroy();
    for (const r of readables) r.destroy();
  } finally {
    for (const fd of childEnds) closeSync(fd);
  }
  streams.kill = () => {
    if (!exited && pid > 0) native.kill(pid, 9);
  };
  return streams;
}

function signalName(n: number): string {
  return SIGNAL_NAMES.get(n) ?? `signal ${n}`;
}
