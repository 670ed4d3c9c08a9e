/**
 * Shared parts of the segment tests: a short clip with a face moving across the segment
 * boundaries (keyframes every 10 frames so tiny segments can be cut), its upload as a job,
 * and frame-level comparisons of input and output (real ffmpeg decodes).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { getSharedEngine } from '../../../src/media/image/shared-engine.ts';
import type { Principal } from '../../../src/services/index.ts';
import { detectedCrops, synthClip, type MovingObject } from '../video/synth-clip.ts';
import { until, type Harness } from '../services/harness.ts';

/** 2.4 s: 3 credits. */
export const CLIP = { width: 480, height: 270, fps: '25', frames: 60, credits: 3 };

/** CLIP with AAC audio, one real face crossing the frame left to right. */
export async function segmentClip(dir: string): Promise<{ file: string; objects: MovingObject[] }> {
  const engine = await getSharedEngine();
  const options = { ...defaultAnonymizeOptions, enableLp: false };
  const [crop] = await detectedCrops(dir, 1, 80, (f) => engine.detect(f, options));
  const objects: MovingObject[] = [{ crop, x0: 10, y0: 60, vx: 4, vy: 0.3 }];
  const file = path.join(dir, 'walk.mp4');
  synthClip({
    ...CLIP,
    output: file,
    objects,
    audio: true,
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-g', '6'],
  });
  return { file, objects };
}

/** Uploads `file` as a direct upload and waits until it awaits approval. */
export async function uploadVideo(
  h: Harness,
  who: Principal,
  file: string,
  modelConfig: Record<string, unknown> = {},
): Promise<string> {
  const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
    fileName: path.basename(file),
    model: 'blur',
    modelConfig,
  });
  const put = await fetch(uploadUrl, {
    method: 'PUT',
    body: new Uint8Array(await readFile(file)),
    headers: { 'x-ms-blob-type': 'BlockBlob' },
  });
  assert.equal(put.status, 201);
  await until(async () => (await h.services.jobs.report(who, jobId)).job_status === 2, 30_000);
  return jobId;
}

/** Every frame as 64x36 grey pixels (enough to tell neighbouring frames of testsrc2 apart). */
export function greyFrames(file: string): Buffer[] {
  const raw = execFileSync(
    ffmpegPaths().ffmpeg,
    ['-v', 'error', '-i', file, '-vsync', 'passthrough', '-vf', 'scale=64:36,format=gray'].concat([
      '-f',
      'rawvideo',
      '-',
    ]),
    { maxBuffer: 1 << 28 },
  );
  const size = 64 * 36;
  return Array.from({ length: raw.length / size }, (_, i) =>
    raw.subarray(i * size, (i + 1) * size),
  );
}

export function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Output frames that look more like another input frame than their own (moved or lost). */
export function misplacedFrames(input: Buffer[], output: Buffer[]): number[] {
  const bad: number[] = [];
  output.forEach((frame, i) => {
    const own = meanAbsDiff(frame, input[i]);
    for (const j of [i - 2, i - 1, i + 1, i + 2]) {
      if (j >= 0 && j < input.length && meanAbsDiff(frame, input[j]) <= own) {
        bad.push(i);
        break;
      }
    }
  });
  return bad;
}

/** Audio and video stream codecs, as `ffmpeg -i` lists them. */
export function streamsOf(file: string): string[] {
  let text = '';
  try {
    execFileSync(ffmpegPaths().ffmpeg, ['-hide_banner', '-i', file], { stdio: 'pipe' });
  } catch (err) {
    text = String((err as { stderr?: Buffer }).stderr ?? '');
  }
  return [...text.matchAll(/Stream #0:\d+.*?: (Video|Audio): (\w+)/g)].map(
    (m) => `${m[1]}:${m[2]}`,
  );
}
