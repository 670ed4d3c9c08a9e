/**
 * Frame timestamps for the timestamp path (variable frame rate, see README.md): whether a
 * video's frames are evenly spaced (a scan of its packets, no decoding), and the reader of
 * the decoder's per-frame timestamps.
 */
import type { Readable } from 'node:stream';
import { framecrcPts } from './ffmpeg-args.ts';
import { spawnFfmpeg } from './ffmpeg.process.ts';
import type { VideoStreamInfo } from './video.probe.ts';

/** framecrc's packet flag for packets the demuxer marks as not to be shown (edit lists). */
const DISCARD = 0x4;

/**
 * Whether frame times (packet pts in `tb` units, any order) are unevenly spaced: some gap
 * between neighbours differs from the median gap by more than 1.5 ticks and 0.2 ms (a
 * constant 29.97 fps in milliseconds alternates 33 and 34: even; a dropped frame, a 15/30
 * fps mix or a phone's jitter: uneven).
 */
export function timesVary(pts: number[], tb: number): boolean {
  if (pts.length < 3) return false;
  const sorted = [...pts].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((t, i) => t - sorted[i]);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  const limit = Math.max(1.5, 0.0002 / tb);
  return gaps.some((g) => Math.abs(g - median) > limit);
}

/** Parses framecrc text (a stream copy of one video stream): time base and shown packets' pts. */
export function parseFramecrc(text: string): { tb: number; pts: number[] } {
  const out = { tb: 0, pts: [] as number[] };
  for (const line of text.split('\n')) framecrcLine(line, out);
  return out;
}

function framecrcLine(line: string, out: { tb: number; pts: number[] }): void {
  const base = /^#tb \d+: (\d+)\/(\d+)/.exec(line);
  if (base) out.tb = Number(base[1]) / Number(base[2]);
  const t = framecrcPts(line);
  const flags = Number.parseInt(/F=0x([0-9a-f]+)/i.exec(line)?.[1] ?? '0', 16);
  if (t !== undefined && !(flags & DISCARD)) out.pts.push(t);
}

/**
 * Whether the video takes the timestamp path: its header says the rate varies, or (AVI
 * aside, which stores a rate) a scan of its video packets finds uneven gaps. The scan reads
 * the file once without decoding (stream copy).
 */
export async function needsTimestamps(
  input: string,
  info: Partial<Pick<VideoStreamInfo, 'variableFrameRate' | 'formatName'>>,
  signal?: AbortSignal,
): Promise<boolean> {
  if (info.variableFrameRate) return true;
  if (info.formatName === undefined || info.formatName === 'avi') return false;
  const proc = spawnFfmpeg(
    ['-hide_banner', '-nostdin', '-v', 'error', '-i', input, '-map', '0:v:0'].concat([
      '-c',
      'copy',
      '-f',
      'framecrc',
      'pipe:1',
    ]),
    { role: 'timestamp scan', signal, stdout: 'pipe' },
  );
  // Parsed as it comes: one short line per frame, only the numbers kept.
  const found = { tb: 0, pts: [] as number[] };
  let rest = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) framecrcLine(line, found);
  });
  try {
    await proc.done;
  } catch {
    // A file the scan cannot read is left to the decoder to report.
    return false;
  }
  return found.tb > 0 && timesVary(found.pts, found.tb);
}

/**
 * The decoder's per-frame timestamps, read as they come (lines of framecrc text on its fd 3,
 * a pipe never left unread, so it cannot hold the decoder up).
 */
export class FrameTimes {
  private readonly times: number[] = [];
  private ended = false;
  private waiters: Array<() => void> = [];

  constructor(stream: Readable) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const pts = framecrcPts(line);
        if (pts !== undefined) this.times.push(pts);
      }
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  /** Time of frame `index`; waits for its line; undefined once the stream ended without it. */
  async at(index: number): Promise<number | undefined> {
    while (index >= this.times.length && !this.ended) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.times[index];
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
