/**
 * What the video pipes need to know about an input beyond `probeVideo`: the exact frame rate
 * fraction, the audio codecs (to decide copy or re-encode) and the display rotation.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { VeilError } from '../../errors.ts';
import { ffmpegPaths } from '../ffmpeg.runtime.ts';

const run = promisify(execFile);

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
  /** Variable frame rate: r_frame_rate and avg_frame_rate disagree. */
  variableFrameRate: boolean;
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
    format?: { duration?: string };
    streams?: Array<Record<string, unknown>>;
  };
  const streams = info.streams ?? [];
  const video = streams.find(
    (s) => s.codec_type === 'video' && !(s.disposition as { attached_pic?: number })?.attached_pic,
  );
  if (!video) throw new VeilError('CORRUPT_MEDIA', 'The file has no video stream');
  const avg = fraction(video.avg_frame_rate);
  const real = fraction(video.r_frame_rate);
  const variableFrameRate = avg > 0 && real > 0 && Math.abs(avg - real) / real > 0.01;
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
  };
}

/** Probes a video; a file ffprobe cannot read becomes CORRUPT_MEDIA. */
export async function probeVideoStreams(
  file: string,
  signal?: AbortSignal,
): Promise<VideoStreamInfo> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffmpegPaths().ffprobe,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
      { signal, maxBuffer: 16 * 1024 * 1024 },
    ));
  } catch (err) {
    if (signal?.aborted) throw new VeilError('CANCELLED', undefined, { cause: err });
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new VeilError('CORRUPT_MEDIA', `Cannot read video: ${lastLine(stderr) || 'unknown'}`, {
      cause: err,
    });
  }
  return parseProbe(stdout);
}

export function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').replace(/^\[[^\]]*\]\s*/, '').slice(0, 300);
}
