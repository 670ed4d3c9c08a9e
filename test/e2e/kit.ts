/**
 * What the end-to-end tests share: real clients (curl, fetch, the Azure protocol), test clips
 * made with the real ffmpeg, polling a job, and Veil in a child process.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ffmpegPaths } from '../../src/media/ffmpeg.runtime.ts';
import type { JobReport, UploadSessionResponse } from '../../src/services/types.ts';
import { fixturePath } from '../fixtures/images/fixtures.ts';

export const run = promisify(execFile);
/** The repository root (child processes run there). */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer().listen(0, host);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const canConnect = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** A still-image H.264 clip (10 fps; with a 440 Hz AAC track when `audio`). */
export async function makeClip(
  out: string,
  {
    seconds,
    image = 'astronaut.jpg',
    audio = false,
  }: { seconds: number; image?: string; audio?: boolean },
): Promise<string> {
  const sine = audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'] : [];
  await run(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-loop', '1', '-i', fixturePath(image)!, ...sine],
    ...['-t', String(seconds), '-r', '10', '-c:v', 'libx264', '-preset', 'ultrafast'],
    ...['-pix_fmt', 'yuv420p', ...(audio ? ['-c:a', 'aac', '-shortest'] : []), '-y', out],
  ]);
  return out;
}

/** The frame at `second` of `video` as an image file at `out` (format from its extension). */
export async function frameAt(video: string, second: number, out: string): Promise<Buffer> {
  await run(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-ss', String(second), '-i', video, '-frames:v', '1', '-y', out],
  ]);
  return readFile(out);
}

/**
 * The README's direct upload with the real curl: the 307 to the SAS URL, then the bytes to
 * blob storage. `route` is `<file name>?<query>`; returns the job id and every header block.
 */
export async function curlUpload(
  url: string,
  key: string,
  file: string,
  route: string,
  curlArgs: string[] = [],
): Promise<{ jobId: string; headers: string }> {
  const { stdout } = await run('curl', [
    ...['-sS', '-L', '-T', file, '-H', 'x-ms-blob-type: BlockBlob', '-H', `access_token: ${key}`],
    ...['-D', '-', '-o', '/dev/null', ...curlArgs, `${url}/direct_upload/${route}`],
  ]);
  const jobId = /^job_id: (\S+)\r?$/m.exec(stdout)?.[1];
  assert.ok(jobId, `no job id in ${stdout}`);
  return { jobId, headers: stdout };
}

/** POST /create_upload_session with the seed's body (blur, given model_config). */
export async function createSession(
  url: string,
  key: string,
  fileName: string,
  fileSize: number,
  extra: Record<string, unknown> = {},
): Promise<UploadSessionResponse> {
  const res = await fetch(`${url}/create_upload_session`, {
    method: 'POST',
    headers: { access_token: key, 'content-type': 'application/json' },
    body: JSON.stringify({
      file_name: fileName,
      file_size: fileSize,
      model: 'blur',
      model_config: {},
      ...extra,
    }),
  });
  assert.equal(res.status, 200, `create_upload_session ${fileName}`);
  return (await res.json()) as UploadSessionResponse;
}

export async function getReport(url: string, key: string, jobId: string): Promise<JobReport> {
  const res = await fetch(`${url}/get_job_result/${jobId}`, { headers: { access_token: key } });
  assert.equal(res.status, 200, `get_job_result ${jobId}`);
  return (await res.json()) as JobReport;
}

/** Calls `probe` every `everyMs` until it returns a value; fails naming `what` after `ms`. */
export async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  ms = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      assert.fail(`timed out: ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

/** Polls get_job_result until `ok` holds (by default: a status in `statuses`). */
export async function waitForJob(
  url: string,
  key: string,
  jobId: string,
  ok: number[] | ((r: JobReport) => boolean),
  ms = 30_000,
): Promise<JobReport> {
  const test = Array.isArray(ok) ? (r: JobReport) => ok.includes(r.job_status) : ok;
  let last: JobReport | undefined;
  return until(
    () => `job ${jobId} still ${last?.job_status} (${last?.job_status_description})`,
    async () => {
      last = await getReport(url, key, jobId);
      return test(last) ? last : undefined;
    },
    ms,
  );
}

export interface VeilChild {
  child: ChildProcess;
  /** Its stdout so far. */
  output(): string;
  /** Its stderr so far. */
  errors(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** CPU time (user + system, ms) process `pid` has used; undefined without Linux's /proc. */
async function cpuMsOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // After "pid (comm) ": utime and stime are the 12th and 13th fields, in USER_HZ (100) ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Runs `node <args>` in the repository root with `env` over this process's environment;
 * resolves once `ready(stdout)` holds. Rejects if it exits first, or spends `cpuMs` of CPU
 * without getting ready (`veil serve` takes about 2 CPU s), or is not ready within `ms`. The
 * CPU budget is what catches a start that is going wrong: on a loaded machine the same start
 * takes many times longer in wall time (5-7 s at load 16 on 2 cores, much more at load 30),
 * so the wall limit only catches a process that hangs without working.
 */
export async function spawnVeil(
  args: string[],
  env: Record<string, string>,
  ready: (stdout: string) => boolean,
  { ms = 240_000, cpuMs = 20_000 }: { ms?: number; cpuMs?: number } = {},
): Promise<VeilChild> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const stop = () => (clearTimeout(timer), clearInterval(meter));
    const fail = (why: string) => (stop(), reject(new Error(`${why}:\n${out}\n${err}`)));
    const giveUp = (why: string) => (child.kill('SIGKILL'), fail(why));
    const timer = setTimeout(() => giveUp(`not ready in ${ms} ms`), ms);
    const meter = setInterval(() => {
      void cpuMsOf(child.pid!).then((used) => {
        if (used !== undefined && used > cpuMs && !ready(out))
          giveUp(`not ready after ${used} ms of CPU (${Date.now() - started} ms)`);
      });
    }, 500);
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (!ready(out)) return;
      stop();
      resolve();
    });
    child.once('exit', (code) => fail(`exited ${code}`));
  });
  return { child, output: () => out, errors: () => err, exited, kill };
}

/** `veil serve` is ready once it printed its banner's curl line. */
export const serveBanner = (out: string) => /^ {2}curl -H .*get_job_result/m.test(out);
