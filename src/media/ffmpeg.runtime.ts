/**
 * Locates ffmpeg/ffprobe (the binaries shipped by npm unless configured) and runs ffprobe.
 * The only media module besides the video pipes that spawns processes.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

let paths: { ffmpeg: string; ffprobe: string } | undefined;

/** Overrides the binaries (config VEIL_FFMPEG / VEIL_FFPROBE); call once at start. */
export function configureFfmpeg(opts: { ffmpegPath?: string; ffprobePath?: string }): void {
  paths = {
    ffmpeg: opts.ffmpegPath ?? shipped('@ffmpeg-installer/linux-x64', 'ffmpeg'),
    ffprobe: opts.ffprobePath ?? shipped('@ffprobe-installer/linux-x64', 'ffprobe'),
  };
}

function shipped(pkg: string, bin: string): string {
  return require.resolve(`${pkg}/package.json`).replace(/package\.json$/, bin);
}

export function ffmpegPaths(): { ffmpeg: string; ffprobe: string } {
  if (!paths) configureFfmpeg({});
  return paths!;
}

export interface VideoProbe {
  formatName: string;
  durationSeconds: number;
  width: number;
  height: number;
  /** Average frame rate. */
  fps: number;
  /** Exact when the container says; else estimated from duration x fps. */
  frames: number;
  codec: string;
  /** Display rotation in degrees from side data or the rotate tag (0, 90, 180, 270). */
  rotation: number;
  audioStreams: number;
}

function ratio(value: string | undefined): number {
  if (!value) return 0;
  const [n, d] = value.split('/').map(Number);
  return d ? n / d : n || 0;
}

/** Probes a video file; throws when ffprobe finds no video stream. */
export async function probeVideo(file: string, signal?: AbortSignal): Promise<VideoProbe> {
  const { stdout } = await run(
    ffmpegPaths().ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
    { signal, maxBuffer: 16 * 1024 * 1024 },
  );
  const info = JSON.parse(stdout) as {
    format?: { format_name?: string; duration?: string };
    streams?: Array<Record<string, unknown>>;
  };
  const streams = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error('no video stream');
  const fps = ratio(video.avg_frame_rate as string) || ratio(video.r_frame_rate as string);
  const durationSeconds = Number(video.duration ?? info.format?.duration ?? 0) || 0;
  const tags = (video.tags ?? {}) as Record<string, string>;
  const sideData = (video.side_data_list ?? []) as Array<{ rotation?: number }>;
  const rawRotation = Number(
    tags.rotate ?? sideData.find((s) => s.rotation !== undefined)?.rotation ?? 0,
  );
  return {
    formatName: info.format?.format_name ?? '',
    durationSeconds,
    width: Number(video.width),
    height: Number(video.height),
    fps,
    frames: Number(video.nb_frames) || Math.round(durationSeconds * fps),
    codec: String(video.codec_name ?? ''),
    rotation: (((Math.round(rawRotation / 90) * 90) % 360) + 360) % 360,
    audioStreams: streams.filter((s) => s.codec_type === 'audio').length,
  };
}
