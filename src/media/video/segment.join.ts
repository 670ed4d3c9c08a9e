/**
 * Joins anonymized segments back into one video without re-encoding: the concat demuxer
 * plays the segment outputs one after another (each starts on a keyframe and all share the
 * encoder settings, so the stream copy is seamless), and the original file gives the audio
 * (copied, or re-encoded where the container cannot hold it), metadata and rotation, exactly
 * as the single-process muxer does.
 */
import { containerFor, muxArgs, type ContainerName, type MuxArgsInput } from './ffmpeg-args.ts';
import { concatInput, countFrames, runFfmpeg } from './segment.split.ts';
import { probeVideoStreams } from './video.probe.ts';

/**
 * Where a segment's output is written: the target's own container where the concat demuxer
 * reads it back reliably (mp4, mov, mkv, webm), Matroska with the same encoder otherwise.
 */
export function segmentOutputName(target: string, seq: number): string {
  const container = containerFor(target);
  const keep: ContainerName[] = ['mp4', 'mov', 'mkv', 'webm'];
  return `segment-${seq}.${keep.includes(container) ? container : 'mkv'}`;
}

/** The muxer's arguments with the encoder pipe replaced by a concat demuxer input. */
export function joinArgs(concat: string[], o: MuxArgsInput): string[] {
  const args = muxArgs(o);
  const pipe = args.findIndex((a, i) => a === '-f' && args[i + 1] === 'nut');
  if (pipe < 0 || args[pipe + 2] !== '-i' || args[pipe + 3] !== 'pipe:0') {
    throw new Error('unexpected muxer arguments');
  }
  return [...args.slice(0, pipe), ...concat, ...args.slice(pipe + 4)];
}

/** Joins `parts` (in order) with `original`'s audio into `output`; returns its frame count. */
export async function joinSegments(
  parts: string[],
  original: string,
  output: string,
  signal?: AbortSignal,
): Promise<number> {
  const info = await probeVideoStreams(original, signal);
  const args = joinArgs(await concatInput(parts.map((file) => ({ file }))), {
    container: containerFor(output),
    input: original,
    output,
    audioCodecs: info.audioCodecs,
    rotation: info.rotation,
    frameRate: info.frameRate,
  });
  await runFfmpeg(args.slice(args.indexOf('-v') + 2), 'joiner', signal);
  return countFrames([{ file: output }], signal);
}
