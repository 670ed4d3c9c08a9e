/**
 * Pure planning of video segments. A video is first cut (stream copy) into short chunks that
 * each start on a keyframe; chunks are then grouped into segments of about `segmentSeconds`,
 * and each segment after the first also takes the last chunks of the one before, at least
 * `overlapSeconds` of them, as a warm-up: decoded, detected and tracked but not output.
 */

export interface VideoChunk {
  /** Chunk start and end in seconds of the source, as the segment muxer reports them. */
  start: number;
  end: number;
}

export interface SegmentPlan {
  seq: number;
  /** Chunk indexes decoded only to warm the tracker (empty for the first segment). */
  warm: number[];
  /** Chunk indexes whose frames this segment outputs. */
  main: number[];
}

/**
 * Groups chunks: a new segment starts at the first chunk at or after each multiple of
 * `segmentSeconds`; a last segment shorter than half of that joins the one before.
 */
export function planSegments(
  chunks: VideoChunk[],
  segmentSeconds: number,
  overlapSeconds: number,
): SegmentPlan[] {
  if (chunks.length === 0) return [];
  const origin = chunks[0].start;
  const end = chunks[chunks.length - 1].end;
  const starts: number[] = [0];
  let next = origin + segmentSeconds;
  chunks.forEach((c, i) => {
    if (i === 0 || c.start < next) return;
    starts.push(i);
    while (next <= c.start) next += segmentSeconds;
  });
  // A short tail is not worth its own segment (and its own warm-up).
  const lastStart = starts.length > 1 ? chunks[starts[starts.length - 1]].start : origin;
  if (starts.length > 1 && end - lastStart < segmentSeconds / 2) starts.pop();

  return starts.map((first, seq) => {
    const stop = starts[seq + 1] ?? chunks.length;
    const main = range(first, stop);
    const warm: number[] = [];
    let covered = 0;
    for (let i = first - 1; i >= 0 && covered < overlapSeconds; i--) {
      warm.unshift(i);
      covered += chunks[i].end - chunks[i].start;
    }
    return { seq, warm, main };
  });
}

/** Chunk length to ask the segment muxer for: the overlap, but at most ~2000 chunks. */
export function chunkSeconds(durationSeconds: number, overlapSeconds: number): number {
  return Math.max(overlapSeconds, 0.5, durationSeconds / 2000);
}

/** Parses the segment muxer's CSV list (`name,start,end` per line). */
export function parseChunkList(csv: string): Array<VideoChunk & { name: string }> {
  return csv
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, start, end] = line.split(',');
      return { name, start: Number(start), end: Number(end) };
    })
    .filter((c) => c.name && Number.isFinite(c.start) && Number.isFinite(c.end));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
