/**
 * Locates ffmpeg/ffprobe (the binaries shipped by npm unless configured) and probes videos.
 * Children (ffmpeg, ffprobe, 7za) start through `child.process.ts`.
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

/**
 * The environment ffmpeg children run with: ours, plus glibc malloc settings that keep freed
 * frame buffers in the heap. An encoder reading raw frames from a pipe allocates a new
 * frame-sized packet (3 MB at 1080p) per frame; glibc's defaults gave that memory back
 * (heap trim) and took it again on the next frame, so every frame faulted in fresh zeroed pages:
 * 1.0-1.4 s of system time per 120 1080p frames, about a third of the encoder's CPU. Large
 * allocations stay in the heap below 32 MB (the most `M_MMAP_THRESHOLD` takes) and the heap is
 * trimmed only beyond 1 GiB, so the pages are reused: 0.17 s. A plain transcode, which decodes
 * into reused buffers, is the same with or without (video/README.md). Ignored by non-glibc
 * builds; values already set in the environment win.
 */
export function ffmpegEnv(): NodeJS.ProcessEnv {
  return {
    MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
    MALLOC_TRIM_THRESHOLD_: String(2 ** 30),
    ...process.env,
  };
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
