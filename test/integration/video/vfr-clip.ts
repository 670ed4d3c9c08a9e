/**
 * Variable frame rate test clips, drawn by the shipped ffmpeg: 30 fps source frames with
 * gaps (dropped ranges), a half-rate tail (15 fps) and a 10 ms jitter on every 7th frame,
 * written with `-vsync passthrough` so each frame keeps its own time. Optionally an image
 * (a face crop) moves over the picture, and a tone plays as audio.
 */
import { execFileSync } from 'node:child_process';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';

export interface VfrClipSpec {
  output: string;
  width: number;
  height: number;
  /** Source frames at 30 fps before frames are dropped. */
  sourceFrames: number;
  /** Source frame ranges [from, to] (inclusive) left out: gaps in time. */
  gaps: Array<[number, number]>;
  /** From this source frame on, every other frame is left out (15 fps). */
  halfRateFrom?: number;
  videoArgs: string[];
  audioArgs?: string[];
  /** An image moving over the picture: top-left at (x0, y0) + (vx, vy) per source frame. */
  overlay?: { file: string; x0: number; y0: number; vx: number; vy: number };
}

/** Source frame indexes a clip keeps, in order (what `vfrClip`'s select expression keeps). */
export function keptFrames(spec: Pick<VfrClipSpec, 'sourceFrames' | 'gaps' | 'halfRateFrom'>) {
  const half = spec.halfRateFrom ?? Infinity;
  return Array.from({ length: spec.sourceFrames }, (_, n) => n).filter(
    (n) => !spec.gaps.some(([a, b]) => n >= a && n <= b) && (n < half || n % 2 === 0),
  );
}

/** Draws the clip; returns the kept source frame indexes (output frame i = source kept[i]). */
export function vfrClip(spec: VfrClipSpec): number[] {
  const gaps = spec.gaps.map(([a, b]) => `between(n,${a},${b})`).join('+') || '0';
  const half = spec.halfRateFrom ?? spec.sourceFrames;
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=30`];
  let base = '[0:v]';
  const graph: string[] = [];
  let next = 1;
  if (spec.overlay) {
    const o = spec.overlay;
    inputs.push('-loop', '1', '-framerate', '30', '-i', o.file);
    graph.push(`[0:v][1:v]overlay=x='${o.x0}+${o.vx}*n':y='${o.y0}+${o.vy}*n'[ov]`);
    base = '[ov]';
    next = 2;
  }
  const audio = spec.audioArgs !== undefined;
  if (audio) inputs.push('-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000');
  graph.push(
    `${base}trim=end_frame=${spec.sourceFrames},` +
      `select='not(${gaps})*(lt(n,${half})+not(mod(n,2)))',` +
      // 10 ms later on every 7th kept frame (gaps stay positive: frames are 33 ms apart).
      `settb=1/90000,setpts='PTS+if(eq(mod(N,7),3),900,0)'[v]`,
  );
  execFileSync(
    ffmpegPaths().ffmpeg,
    [
      ...['-v', 'error', '-y', ...inputs, '-filter_complex', graph.join(';'), '-map', '[v]'],
      ...(audio ? ['-map', `${next}:a`, ...spec.audioArgs!] : []),
      // Each frame keeps its time (and the encoder counts in 90 kHz, not in 1/30 s).
      ...['-vsync', 'passthrough', '-enc_time_base', '1:90000', ...spec.videoArgs],
      ...['-pix_fmt', 'yuv420p', '-t', String(spec.sourceFrames / 30), spec.output],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return keptFrames(spec);
}

/**
 * Times (seconds, presentation order) of a stream's packets as stored, without decoding
 * (packets the demuxer marks to discard left out), and the stream's time base in seconds.
 */
export function storedTimes(file: string, stream = 'v:0'): { tb: number; times: number[] } {
  const text = execFileSync(
    ffmpegPaths().ffmpeg,
    [
      '-v',
      'error',
      '-copyts',
      '-i',
      file,
      '-map',
      `0:${stream}`,
      '-c',
      'copy',
      '-f',
      'framecrc',
      '-',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  let tb = 0;
  const ticks: number[] = [];
  for (const line of text.split('\n')) {
    const base = /^#tb \d+: (\d+)\/(\d+)/.exec(line);
    if (base) tb = Number(base[1]) / Number(base[2]);
    if (line.startsWith('#') || !line.trim()) continue;
    const cols = line.split(',').map((c) => c.trim());
    const flags = Number.parseInt(/F=0x([0-9a-f]+)/i.exec(line)?.[1] ?? '0', 16);
    if (!(flags & 0x4)) ticks.push(Number(cols[2]));
  }
  return { tb, times: ticks.sort((a, b) => a - b).map((t) => t * tb) };
}
