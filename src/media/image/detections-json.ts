/**
 * The optional detections file (Veil extension `detections=true`): boxes, scores, classes,
 * landmarks/corners and track ids per frame, written beside the output as `<output>.detections.json`.
 */
import { writeFile } from 'node:fs/promises';
import type { AnonymizeFileResult } from '../index.ts';

export function detectionsJsonPath(outputPath: string): string {
  return `${outputPath}.detections.json`;
}

export function detectionsDocument(result: AnonymizeFileResult): object {
  return { summary: result.summary, frames: result.detections };
}

export async function writeDetectionsJson(
  outputPath: string,
  result: AnonymizeFileResult,
): Promise<string> {
  const file = detectionsJsonPath(outputPath);
  await writeFile(file, JSON.stringify(detectionsDocument(result)));
  return file;
}
