/**
 * Locates ffmpeg/ffprobe (the binaries shipped by npm unless configured) and probes videos.
 * The only media module besides the video pipes that spawns processes.
 */
import { createRequire } from 'node:module';
// A cycle (video.probe imports ffmpegPaths from here) that is safe: both only call at run time.
import { probeVideoStreams } from './video/video.probe.ts';

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
  /** Display rotation, counter-clockwise degrees (0, 90, 180, 270); width/height are coded. */
  rotation: number;
  audioStreams: number;
}

/**
 * Probes a video file; a file without a readable video stream throws CORRUPT_MEDIA. Delegates
 * to the video pipeline's probe, which falls back to `ffmpeg -i` when the shipped ffprobe
 * crashes (it segfaults on every MPEG-TS file, .ts/.mts).
 */
export async function probeVideo(file: string, signal?: AbortSignal): Promise<VideoProbe> {
  const info = await probeVideoStreams(file, signal);
  return {
    formatName: info.formatName,
    durationSeconds: info.durationSeconds,
    width: info.width,
    height: info.height,
    fps: info.fps,
    frames: info.frames,
    codec: info.codec,
    rotation: info.rotation,
    audioStreams: info.audioCodecs.length,
  };
}
