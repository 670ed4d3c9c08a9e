/**
 * One image file in, the same format out, every face and plate covered:
 * read -> decode (upright, metadata kept) -> detect -> render -> encode -> write.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../../engine/index.ts';
import { synthesizePlates } from '../../engine/render/plate.synth.ts';
import { coverDetections } from '../../engine/syn/index.ts';
import { VeilError } from '../../errors.ts';
import type { AnonymizeFile, AnonymizeFileResult } from '../index.ts';
import { writeDetectionsJson } from './detections-json.ts';
import { decodeImage, encodeImage, formatOfExtension } from './image.codec.ts';
import { getSharedEngine } from './shared-engine.ts';

export interface ImageAnonymizerDeps {
  /** Where the engine comes from (default: the process-wide shared engine). */
  engine?: () => Promise<Engine>;
  /** Pixel limit (default 100 MP); larger images fail with MEDIA_TOO_LARGE. */
  maxPixels?: number;
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new VeilError('CANCELLED');
}

/** Writes through a temporary file so a crash never leaves a half-written output behind. */
async function writeAtomically(file: string, data: Buffer): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function createImageAnonymizer(deps: ImageAnonymizerDeps = {}): AnonymizeFile {
  const engineOf = deps.engine ?? getSharedEngine;
  return async (inputPath, outputPath, options, run = {}) => {
    checkAborted(run.signal);
    const format = formatOfExtension(path.extname(inputPath));
    if (!format)
      throw new VeilError('UNSUPPORTED_FORMAT', `Not an image file: ${path.basename(inputPath)}`);
    const img = await decodeImage(await readFile(inputPath), format, { maxPixels: deps.maxPixels });
    const engine = await engineOf();
    checkAborted(run.signal);
    const detections = await engine.detect(img.frame, options);
    checkAborted(run.signal);
    // lp_syn replaces plates with synthetic ones; `syn` replaces faces; the rest is rendered.
    await coverDetections(img.frame, synthesizePlates(img.frame, detections, options), options);
    await writeAtomically(outputPath, await encodeImage(img));
    const result: AnonymizeFileResult = {
      summary: {
        kind: 'image',
        width: img.frame.width,
        height: img.frame.height,
        faces: detections.filter((d) => d.cls === 'face').length,
        plates: detections.filter((d) => d.cls === 'plate').length,
      },
      detections: [{ frame: 0, objects: detections }],
    };
    if (options.detections) await writeDetectionsJson(outputPath, result);
    run.onProgress?.({ done: 1, total: 1 });
    return result;
  };
}

/** The image pipeline on the shared engine (close it with `closeSharedEngine()`). */
export const anonymizeImage: AnonymizeFile = createImageAnonymizer();
