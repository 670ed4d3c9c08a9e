/**
 * What the video pipes need to know about an input beyond `probeVideo`: the exact frame rate
 * fraction, the audio codecs (to decide copy or re-encode) and the display rotation.
 */
import { VeilError } from '../../errors.ts';
import { execChild } from '../child.process.ts';
import { ffmpegPaths } from '../ffmpeg.runtime.ts';

export interface VideoStreamInfo {
  /** Coded size (before rotation). */
  width: number;
  height: number;
  /** Upright size, as the decoder delivers frames. */
  displayWidth: number;
  displayHeight: number;
  /** Frame rate fraction for the encoder: "30000/1001". */
  frameRate: string;
  fps: number;
  durationSeconds: number;
  /** Exact when the container says; else estimated. */
  frames: number;
  /** Display rotation, counter-clockwise degrees (0, 90, 180, 270). */
  rotation: number;
  audioCodecs: string[];
  /**
   * Variable frame rate, as far as the stream header tells: the average rate differs from the
   * base rate (ffprobe's avg_frame_rate vs r_frame_rate, `ffmpeg -i`'s fps vs tbr). Such videos
   * take the timestamp path, which keeps every frame's own timestamp (a false alarm costs
   * nothing: the timestamps are then those of a constant rate).
   */
  variableFrameRate: boolean;
  /** Time base of the video stream ("1/15360"), when known. */
  timeBase?: string;
  /** Container as ffmpeg names it ("mov,mp4,m4a,3gp,3g2,mj2", "mpegts"). */
  formatName: string;
  /** Video codec ("h264"). */
  codec: string;
}

/**
 * Whether an average frame rate differs from the base rate by more than rounding: 0.05 %
 * (a constant 29.97 stored in milliseconds averages within 0.01 %; one frame missing in a
 * thousand, or a 15/30 fps mix, is well beyond).
 */
export function differentRates(avg: number, base: number): boolean {
  return Math.abs(avg - base) / base > 0.0005;
}

function fraction(value: unknown): number {
  const [n, d] = String(value ?? '0/0')
    .split('/')
    .map(Number);
  return d ? n / d : Number(n) || 0;
}

/** Parses ffprobe's JSON (`-show_format -show_streams`); exported for unit tests. */
export function parseProbe(json: string): VideoStreamInfo {
  const info = JSON.parse(json) as {
    format?: { duration?: string; format_name?: string };
    streams?: Array<Record<string, unknown>>;
  };
  const streams = info.streams ?? [];
  const video = streams.find(
    (s) => s.codec_type === 'video' && !(s.disposition as { attached_pic?: number })?.attached_pic,
  );
  if (!video) throw new VeilError('CORRUPT_MEDIA', 'The file has no video stream');
  const avg = fraction(video.avg_frame_rate);
  const real = fraction(video.r_frame_rate);
  const variableFrameRate = avg > 0 && real > 0 && differentRates(avg, real);
  // The average rate keeps the duration right when the rate varies (or r_ is the field rate).
  const useAvg = avg > 0 && (variableFrameRate || !(real > 0));
  const frameRate = useAvg ? String(video.avg_frame_rate) : String(video.r_frame_rate);
  const fps = useAvg ? avg : real;
  if (!(fps > 0) || fps > 1000) throw new VeilError('CORRUPT_MEDIA', 'Unknown video frame rate');
  const durationSeconds = Number(video.duration ?? info.format?.duration ?? 0) || 0;
  const sideData = (video.side_data_list ?? []) as Array<{ rotation?: number }>;
  const tags = (video.tags ?? {}) as Record<string, string>;
  const rawCcw =
    sideData.find((s) => s.rotation !== undefined)?.rotation ??
    (tags.rotate !== undefined ? -Number(tags.rotate) : 0);
  const rotation = (((Math.round(rawCcw / 90) * 90) % 360) + 360) % 360;
  const width = Number(video.width);
  const height = Number(video.height);
  if (!(width > 0 && height > 0)) throw new VeilError('CORRUPT_MEDIA', 'Unknown video size');
  const swap = rotation === 90 || rotation === 270;
  return {
    width,
    height,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    frameRate,
    fps,
    durationSeconds,
    frames: Number(video.nb_frames) || Math.round(durationSeconds * fps),
    rotation,
    audioCodecs: streams
      .filter((s) => s.codec_type === 'audio')
      .map((s) => String(s.codec_name ?? '')),
    variableFrameRate,
    ...(typeof video.time_base === 'string' ? { timeBase: video.time_base } : {}),
    formatName: info.format?.format_name ?? '',
    codec: String(video.codec_name ?? ''),
  };
}

/**
 * Probes a video; a file that cannot be read becomes CORRUPT_MEDIA. The shipped ffprobe
 * (static build of 2023) crashes on every MPEG-TS file (.ts, .mts), so when it fails the
 * shipped ffmpeg's own description of the input is parsed instead.
 */
export async function probeVideoStreams(
  file: string,
  signal?: AbortSignal,
): Promise<VideoStreamInfo> {
  try {
    const { stdout } = await execChild(
      ffmpegPaths().ffprobe,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
      { signal, maxBuffer: 16 * 1024 * 1024 },
    );
    return parseProbe(stdout);
  } catch (err) {
    if (signal?.aborted) throw new VeilError('CANCELLED', undefined, { cause: err });
  }
  let stderr = '';
  try {
    await execChild(ffmpegPaths().ffmpeg, ['-hide_banner', '-nostdin', '-i', file], { signal });
  } catch (err) {
    // Without an output file ffmpeg always exits 1 after describing the input.
    if (signal?.aborted) throw new VeilError('CANCELLED', undefined, { cause: err });
    stderr = String((err as { stderr?: string }).stderr ?? '');
  }
  const info = parseFfmpegInfo(stderr);
  if (!info)
    throw new VeilError('CORRUPT_MEDIA', `Cannot read video: ${lastLine(stderr) || 'unknown'}`);
  return info;
}

/** Exact fraction for a rate ffmpeg printed in decimals ("29.97" -> "30000/1001"). */
export function rateFraction(fps: number): string {
  const ntsc = Math.round((fps * 1001) / 1000);
  if (Math.abs((ntsc * 1000) / 1001 - fps) < 0.006 && Math.abs(ntsc - fps) > 0.01) {
    return `${ntsc * 1000}/1001`;
  }
  return Number.isInteger(fps) ? String(fps) : `${Math.round(fps * 1000)}/1000`;
}

/** Parses `ffmpeg -i` output (stderr); undefined when it shows no video stream. */
export function parseFfmpegInfo(text: string): VideoStreamInfo | undefined {
  const lines = text.split('\n');
  const v = lines.findIndex((l) => /Stream #\d+:\d+.*: Video: /.test(l) && !/attached pic/.test(l));
  if (v < 0) return undefined;
  const line = lines[v];
  const size = /, (\d{2,5})x(\d{2,5})/.exec(line);
  const avgText = /, ([\d.]+) fps/.exec(line)?.[1];
  const tbr = Number(/, ([\d.]+) tbr/.exec(line)?.[1]);
  const fps = Number(avgText ?? tbr);
  if (!size || !(fps > 0)) return undefined;
  const d = /Duration: (\d+):(\d+):([\d.]+)/.exec(text);
  const durationSeconds = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : 0;
  // The 2018 build prints the clockwise "rotate" tag among the stream's metadata.
  let rotate = 0;
  for (let i = v + 1; i < lines.length && !/Stream #/.test(lines[i]); i++) {
    const r = /^\s+rotate\s+:\s+(-?\d+)/.exec(lines[i]);
    if (r) rotate = Number(r[1]);
  }
  const rotation = (((-Math.round(rotate / 90) * 90) % 360) + 360) % 360;
  const width = Number(size[1]);
  const height = Number(size[2]);
  const swap = rotation === 90 || rotation === 270;
  return {
    width,
    height,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    frameRate: rateFraction(fps),
    fps,
    durationSeconds,
    frames: Math.round(durationSeconds * fps),
    rotation,
    audioCodecs: lines
      .map((l) => /Stream #\d+:\d+.*: Audio: (\w+)/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined),
    // Both printed rounded to 2 decimals (".. 29.97 fps, 29.97 tbr"), so a wider margin.
    variableFrameRate: avgText !== undefined && tbr > 0 && Math.abs(fps - tbr) > 0.011,
    ...(/, 90k tbn/.test(line) ? { timeBase: '1/90000' } : {}),
    formatName: /^Input #\d+, (.+?), from /m.exec(text)?.[1] ?? '',
    codec: /: Video: (\w+)/.exec(line)?.[1] ?? '',
  };
}

export function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').replace(/^\[[^\]]*\]\s*/, '').slice(0, 300);
}
