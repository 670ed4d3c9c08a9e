/**
 * Media entry points shared by the worker and the CLI: classify a file by name and content,
 * and anonymize one image or video file into an output file of the same format.
 */
import type { AnonymizeOptions, Detection, MediaSummary, ProgressReport } from '../engine/types.ts';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp'] as const;
export const VIDEO_EXTENSIONS = ['.mp4', '.mkv', '.webm', '.ts', '.mov', '.avi', '.mts'] as const;
export const ARCHIVE_EXTENSIONS = ['.zip', '.rar', '.7z'] as const;

export type MediaKind = 'image' | 'video' | 'archive';

export interface AnonymizeFileOptions {
  signal?: AbortSignal;
  onProgress?: (p: ProgressReport) => void;
}

export interface AnonymizeFileResult {
  summary: MediaSummary;
  /** Per frame (videos) or one entry (images). */
  detections: Array<{ frame: number; objects: Detection[] }>;
}

/** Signature implemented by the image and video pipelines. */
export type AnonymizeFile = (
  inputPath: string,
  outputPath: string,
  options: AnonymizeOptions,
  run?: AnonymizeFileOptions,
) => Promise<AnonymizeFileResult>;
