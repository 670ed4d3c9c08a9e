/**
 * Splits a video (its first video stream, stream copy, no re-encoding) into segment inputs
 * for parallel processing: NUT files (MOV for rotated videos) that start on a keyframe, each
 * holding its warm-up frames (the end of the segment before) followed by the frames it
 * outputs. NUT keeps the source's time base, so the pipeline probes the exact frame rate.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VeilError } from '../../errors.ts';
import { spawnFfmpeg } from './ffmpeg.process.ts';
import { needsTimestamps } from './frame.times.ts';
import { chunkSeconds, parseChunkList, planSegments } from './segment.plan.ts';
import { probeVideoStreams } from './video.probe.ts';

export interface SegmentInput {
  seq: number;
  /** The file to process (.nut, or .mov for rotated videos). */
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

/**
 * Cuts `input` into segment inputs under `dir`; one segment when the video is too short, or
 * when its frame rate varies (`needsTimestamps`): the join plays segments one after another
 * (concat demuxer), which re-times them, so such a video is processed in one piece on the
 * timestamp path (see README.md); the one segment is then the input itself.
 */
export async function splitVideo(
  input: string,
  dir: string,
  o: SplitOptions,
): Promise<SegmentInput[]> {
  const info = await probeVideoStreams(input, o.signal);
  if (await needsTimestamps(input, info, o.signal)) {
    return [{ seq: 0, file: input, warmFrames: 0, frames: info.frames, firstFrame: 0 }];
  }
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
  // Durations from the muxer's list: the concat demuxer's own guess for NUT is off. The list
  // starts the first chunk at 0 where its frames start later (B-frame delay): that one lasts
  // its frames (the rate is constant here), else a gap follows it in the first segment.
  const durations = chunks.map((c) => c.end - c.start);
  const first = await countFrames([{ file: path.join(dir, chunks[0].name) }], o.signal);
  if (chunks.length > 1 && info.fps > 0) durations[0] = first / info.fps;
  const plans = planSegments(chunks, o.segmentSeconds, o.overlapSeconds);
  // The 2018 decoder turns frames upright by a display matrix only, which NUT cannot carry:
  // rotated videos (phones: H.264/HEVC) get MOV segments, so the detector sees faces upright.
  const { rotation } = info;
  const format = rotation
    ? { ext: 'mov', args: ['-metadata:s:v:0', `rotate=${rotation}`, '-f', 'mov'] }
    : { ext: 'nut', args: ['-f', 'nut'] };
  const out: SegmentInput[] = [];
  let firstFrame = 0;
  for (const plan of plans) {
    const names = (ids: number[]): ConcatPart[] =>
      ids.map((i) => ({ file: path.join(dir, chunks[i].name), duration: durations[i] }));
    const file = path.join(dir, `segment-${plan.seq}.${format.ext}`);
    await concatCopy(names([...plan.warm, ...plan.main]), file, format.args, o.signal);
    // A decoder may drop the leading frames of an open GOP at the start of a stream: the
    // warm-up (or, for the first segment, its first chunk) is counted as decoded, and the
    // frames after it, decoded in one run, as packets.
    const head = names(plan.warm.length ? plan.warm : plan.main.slice(0, 1));
    const headDecoded = await countFrames(head, o.signal, true);
    const headPackets = await countFrames(head, o.signal);
    const warmFrames = plan.warm.length ? headDecoded : 0;
    const packets = await countFrames([{ file }], o.signal);
    const frames = plan.warm.length ? packets - headPackets : packets - headPackets + headDecoded;
    out.push({ seq: plan.seq, file, warmFrames, frames, firstFrame });
    firstFrame += frames;
  }
  return out;
}

/**
 * Video packets (= frames) in the files played one after another, without decoding; with
 * `decode`, the frames a decoder delivers (as the pipeline's decoder: no frame rate change).
 */
export async function countFrames(
  files: ConcatPart[],
  signal?: AbortSignal,
  decode = false,
): Promise<number> {
  const input = files.length === 1 ? ['-i', files[0].file] : await concatInput(files);
  const how = decode ? ['-vsync', 'passthrough'] : ['-c', 'copy'];
  const stdout = await runFfmpeg(
    [...input, '-map', '0:v:0', ...how, '-f', 'null', '-progress', 'pipe:1', '-'],
    'frame counter',
    signal,
  );
  const counts = [...stdout.matchAll(/^frame=(\d+)$/gm)];
  if (counts.length === 0)
    throw new VeilError('CORRUPT_MEDIA', 'Video frames could not be counted');
  return Number(counts[counts.length - 1][1]);
}

async function concatCopy(
  files: ConcatPart[],
  output: string,
  muxer: string[],
  signal?: AbortSignal,
) {
  const input = await concatInput(files);
  await runFfmpeg(
    [...input, '-map', '0:v:0', '-c', 'copy', ...muxer, '-y', output],
    'splitter',
    signal,
  );
}

export interface ConcatPart {
  file: string;
  /** Seconds; when unset the concat demuxer takes the file's own duration. */
  duration?: number;
}

/** A concat demuxer input over `parts` (its list is written beside the first file). */
export async function concatInput(parts: ConcatPart[]): Promise<string[]> {
  const list = `${parts[0].file}.${parts.length}.list.txt`;
  const line = (p: ConcatPart) =>
    `file '${p.file.replace(/'/g, "'\\''")}'\n` +
    (p.duration === undefined ? '' : `duration ${p.duration.toFixed(6)}\n`);
  await writeFile(list, parts.map(line).join(''));
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
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    stdout = (stdout + chunk).slice(-65536);
  });
  await proc.done;
  return stdout;
}
