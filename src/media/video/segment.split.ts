/**
 * Splits a video (its first video stream, stream copy, no re-encoding) into segment inputs
 * for parallel processing: NUT files that start on a keyframe, each holding its warm-up
 * frames (the end of the segment before) followed by the frames it outputs. NUT keeps the
 * source's time base, so the frame rate the pipeline probes is the source's exactly.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VeilError } from '../../errors.ts';
import { spawnFfmpeg } from './ffmpeg.process.ts';
import { chunkSeconds, parseChunkList, planSegments } from './segment.plan.ts';

export interface SegmentInput {
  seq: number;
  /** The NUT file to process. */
  file: string;
  /** Frames at its start that are only there to warm the tracker. */
  warmFrames: number;
  /** Frames it outputs. */
  frames: number;
  /** Index in the whole video of its first output frame. */
  firstFrame: number;
}

export interface SplitOptions {
  segmentSeconds: number;
  overlapSeconds: number;
  durationSeconds: number;
  signal?: AbortSignal;
}

/** Cuts `input` into segment inputs under `dir`; one segment when the video is too short. */
export async function splitVideo(
  input: string,
  dir: string,
  o: SplitOptions,
): Promise<SegmentInput[]> {
  const list = path.join(dir, 'chunks.csv');
  await runFfmpeg(
    [
      '-i',
      input,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      String(chunkSeconds(o.durationSeconds, o.overlapSeconds)),
      '-segment_format',
      'nut',
      '-segment_list',
      list,
      '-segment_list_type',
      'csv',
      path.join(dir, 'chunk-%05d.nut'),
    ],
    'splitter',
    o.signal,
  );
  const chunks = parseChunkList(await readFile(list, 'utf8'));
  if (chunks.length === 0) throw new VeilError('CORRUPT_MEDIA', 'The video could not be split');
  const plans = planSegments(chunks, o.segmentSeconds, o.overlapSeconds);
  const out: SegmentInput[] = [];
  let firstFrame = 0;
  for (const plan of plans) {
    const names = (ids: number[]) => ids.map((i) => path.join(dir, chunks[i].name));
    const file = path.join(dir, `segment-${plan.seq}.nut`);
    await concatCopy(names([...plan.warm, ...plan.main]), file, o.signal);
    const warmFrames = plan.warm.length ? await countFrames(names(plan.warm), o.signal) : 0;
    const frames = (await countFrames([file], o.signal)) - warmFrames;
    out.push({ seq: plan.seq, file, warmFrames, frames, firstFrame });
    firstFrame += frames;
  }
  return out;
}

/** Video packets (= frames) in the files played one after another; no decoding. */
export async function countFrames(files: string[], signal?: AbortSignal): Promise<number> {
  const input = files.length === 1 ? ['-i', files[0]] : await concatInput(files);
  const stdout = await runFfmpeg(
    [...input, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-progress', 'pipe:1', '-'],
    'frame counter',
    signal,
  );
  const counts = [...stdout.matchAll(/^frame=(\d+)$/gm)];
  if (counts.length === 0)
    throw new VeilError('CORRUPT_MEDIA', 'Video frames could not be counted');
  return Number(counts[counts.length - 1][1]);
}

async function concatCopy(files: string[], output: string, signal?: AbortSignal) {
  const input = await concatInput(files);
  await runFfmpeg(
    [...input, '-map', '0:v:0', '-c', 'copy', '-f', 'nut', '-y', output],
    'splitter',
    signal,
  );
}

/** A concat demuxer input over `files` (its list is written beside the first file). */
export async function concatInput(files: string[]): Promise<string[]> {
  const list = `${files[0]}.${files.length}.list.txt`;
  await writeFile(list, files.map((f) => `file '${f.replace(/'/g, "'\\''")}'\n`).join(''));
  return ['-f', 'concat', '-safe', '0', '-i', list];
}

/** Runs ffmpeg to the end; resolves with the last 64 KiB of its stdout. */
export async function runFfmpeg(
  args: string[],
  role: string,
  signal?: AbortSignal,
): Promise<string> {
  const proc = spawnFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', ...args], {
    role,
    signal,
    stdout: 'pipe',
  });
  let stdout = '';
  proc.child.stdout!.setEncoding('utf8');
  proc.child.stdout!.on('data', (chunk: string) => {
    stdout = (stdout + chunk).slice(-65536);
  });
  await proc.done;
  return stdout;
}
