/**
 * Anonymizes one media file into an output file of the same format, choosing the image or the
 * video pipeline by the file's extension. The worker and the CLI both come through here.
 */
import path from 'node:path';
import { VeilError } from '../errors.ts';
import { anonymizeImage } from './image/image.pipeline.ts';
import { getSharedEngine } from './image/shared-engine.ts';
import { createVideoAnonymizer } from './video/video.pipeline.ts';
import { IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, type AnonymizeFile, type MediaKind } from './index.ts';

/** `image` / `video` by extension (case-insensitive); undefined for anything else (archives too). */
export function mediaKindOfName(fileName: string): Exclude<MediaKind, 'archive'> | undefined {
  const ext = path.extname(fileName).toLowerCase();
  if ((IMAGE_EXTENSIONS as readonly string[]).includes(ext)) return 'image';
  if ((VIDEO_EXTENSIONS as readonly string[]).includes(ext)) return 'video';
  return undefined;
}

/** Videos run on the same shared engine as images: one model load per process. */
const anonymizeVideo: AnonymizeFile = async (input, output, options, run) =>
  createVideoAnonymizer(await getSharedEngine())(input, output, options, run);

export const anonymizeFile: AnonymizeFile = (inputPath, outputPath, options, run) => {
  const kind = mediaKindOfName(inputPath);
  if (kind === 'image') return anonymizeImage(inputPath, outputPath, options, run);
  if (kind === 'video') return anonymizeVideo(inputPath, outputPath, options, run);
  const ext = path.extname(inputPath) || 'no extension';
  return Promise.reject(
    new VeilError(
      'UNSUPPORTED_FORMAT',
      `Unsupported file type (${ext}): ${path.basename(inputPath)}`,
    ),
  );
};
