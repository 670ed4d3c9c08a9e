/**
 * Pure ffmpeg argument building for the video pipes (no process spawned here).
 *
 * Three processes per video: a decoder (input -> raw yuv420p frames, upright), an encoder
 * (raw frames -> compressed video in NUT on a pipe) and a muxer (compressed video + the
 * original audio -> the output container, stream copy). The separate muxer exists because
 * the shipped 2018 ffmpeg drops a `rotate` tag on encoded streams but keeps it on copied ones.
 */

export type ContainerName = 'mp4' | 'mov' | 'mkv' | 'webm' | 'ts' | 'mts' | 'avi';

export interface ContainerProfile {
  /** ffmpeg muxer name. */
  format: string;
  /** Extra muxer options. */
  muxerArgs: string[];
  videoCodec: 'libx264' | 'libvpx-vp9';
  /** Audio codecs the container holds as-is (stream copy); null = anything. */
  audioCopyable: string[] | null;
  /** Encoder used when an audio stream cannot be copied into this container. */
  audioFallback: string[];
  /** Whether the container carries a display rotation (else rotation is baked into pixels). */
  carriesRotation: boolean;
}

const H264_AUDIO = ['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'mp2'];

const PROFILES: Record<ContainerName, ContainerProfile> = {
  mp4: {
    format: 'mp4',
    muxerArgs: ['-movflags', '+faststart'],
    videoCodec: 'libx264',
    audioCopyable: H264_AUDIO.filter((c) => c !== 'opus'),
    audioFallback: ['-c:a', 'aac', '-b:a', '192k'],
    carriesRotation: true,
  },
  mov: {
    format: 'mov',
    muxerArgs: ['-movflags', '+faststart'],
    videoCodec: 'libx264',
    audioCopyable: [...H264_AUDIO, 'pcm_s16le', 'pcm_s16be', 'pcm_s24le', 'pcm_f32le'],
    audioFallback: ['-c:a', 'aac', '-b:a', '192k'],
    carriesRotation: true,
  },
  mkv: {
    format: 'matroska',
    muxerArgs: [],
    videoCodec: 'libx264',
    audioCopyable: null,
    audioFallback: ['-c:a', 'libopus', '-b:a', '160k'],
    carriesRotation: false,
  },
  webm: {
    format: 'webm',
    muxerArgs: [],
    videoCodec: 'libvpx-vp9',
    audioCopyable: ['opus', 'vorbis'],
    audioFallback: ['-c:a', 'libopus', '-b:a', '160k'],
    carriesRotation: false,
  },
  ts: {
    format: 'mpegts',
    muxerArgs: [],
    videoCodec: 'libx264',
    audioCopyable: ['aac', 'mp3', 'mp2', 'ac3', 'eac3', 'opus'],
    audioFallback: ['-c:a', 'aac', '-b:a', '192k'],
    carriesRotation: false,
  },
  // AVCHD .mts is MPEG-TS with 192-byte (BDAV) packets.
  mts: {
    format: 'mpegts',
    muxerArgs: ['-mpegts_m2ts_mode', '1'],
    videoCodec: 'libx264',
    audioCopyable: ['aac', 'mp3', 'mp2', 'ac3', 'eac3', 'pcm_bluray'],
    audioFallback: ['-c:a', 'ac3', '-b:a', '256k'],
    carriesRotation: false,
  },
  avi: {
    format: 'avi',
    muxerArgs: [],
    videoCodec: 'libx264',
    audioCopyable: ['mp3', 'mp2', 'ac3', 'aac', 'pcm_s16le', 'pcm_u8'],
    audioFallback: ['-c:a', 'libmp3lame', '-b:a', '192k'],
    carriesRotation: false,
  },
};

/** Profile for an output file name; throws on an extension we do not write. */
export function containerFor(fileName: string): ContainerName {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (ext in PROFILES) return ext as ContainerName;
  throw new Error(`unsupported video container: .${ext}`);
}

export function containerProfile(container: ContainerName): ContainerProfile {
  return PROFILES[container];
}

export interface EncoderSettings {
  /** Constant rate factor; default 23 for H.264 (0-51), 33 for VP9 (0-63). */
  crf?: number;
  /** x264 preset; default veryfast (the bench compares with a plain transcode using the same). */
  preset?: string;
}

/** Default CRF per encoder (visually close to the source at small size). */
export function defaultCrf(codec: ContainerProfile['videoCodec']): number {
  return codec === 'libx264' ? 23 : 33;
}

/** Codec options shared by the Veil encoder and the bench's plain transcode. */
export function videoCodecArgs(container: ContainerName, settings: EncoderSettings = {}): string[] {
  const codec = PROFILES[container].videoCodec;
  const crf = String(settings.crf ?? defaultCrf(codec));
  if (codec === 'libx264') {
    return ['-c:v', 'libx264', '-preset', settings.preset ?? 'veryfast', '-crf', crf];
  }
  // VP9 realtime with row multithreading: measured here as fast as x264 veryfast on 2 cores
  // (1080p: 0.74 s vs 0.69 s for 60 frames), VP8 realtime was slower (1.0 s) and larger.
  return [
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-row-mt',
    '1',
    '-crf',
    crf,
    '-b:v',
    '0',
  ];
}

/**
 * Filter that turns an upright frame back into the stored orientation, for a display rotation
 * given counter-clockwise in degrees (as ffprobe's display matrix side data reports it).
 */
export function unrotateFilter(rotationCcw: number): string | undefined {
  switch (((rotationCcw % 360) + 360) % 360) {
    case 90:
      return 'transpose=clock';
    case 180:
      return 'hflip,vflip';
    case 270:
      return 'transpose=cclock';
    default:
      return undefined;
  }
}

export interface DecodeArgsInput {
  input: string;
  /**
   * Also report each frame's timestamp: a second output (first in order, so a frame's line is
   * written before its pixels) lists it in microseconds as framecrc text on pipe:3, from a 2x2
   * crop of the frame (nearly free). Times are the file's own (`-copyts`): ffmpeg's start
   * shift depends on the streams mapped (MPEG-TS), so the muxer is given the same clock.
   */
  timestamps?: boolean;
}

/** Time base of the timestamps the timestamp path carries: microseconds. */
export const TIMESTAMP_TB = 1_000_000;

/**
 * Decoder: first video stream, upright (autorotate), one raw frame per decoded frame, in
 * yuv420p (planar 4:2:0: half the bytes of rgb24 and usually no conversion at all).
 */
export function decodeArgs({ input, timestamps = false }: DecodeArgsInput): string[] {
  // One decoding thread: frame threads cost CPU to hand frames around, and this pipeline
  // consumes frames far slower than one thread decodes them (1080p H.264: ~220 fps on one core
  // here). The bench's 1080p clip: 0.71 -> 0.53 CPU s per 120 frames decoded alone.
  const head = ['-hide_banner', '-nostdin', '-v', 'error', '-threads', '1'];
  // One output frame per decoded frame: no duplication or dropping.
  const raw = ['-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'];
  if (!timestamps) return [...head, '-i', input, '-map', '0:v:0', ...raw];
  const tb = ['-enc_time_base', `1:${TIMESTAMP_TB}`];
  return [
    ...head,
    '-copyts',
    '-i',
    input,
    '-filter_complex',
    '[0:v:0]split[ts][raw];[ts]crop=2:2:0:0[tiny]',
    '-map',
    '[tiny]',
    '-vsync',
    'passthrough',
    ...tb,
    '-flush_packets',
    '1',
    '-f',
    'framecrc',
    'pipe:3',
    '-map',
    '[raw]',
    ...tb,
    ...raw,
  ];
}

/** Parses one framecrc line ("0, dts, pts, duration, size, crc"): its pts, or undefined. */
export function framecrcPts(line: string): number | undefined {
  if (line.startsWith('#')) return undefined;
  const pts = Number(line.split(',')[2]);
  return Number.isFinite(pts) && line.split(',').length >= 5 ? pts : undefined;
}

/** Whether the timestamp path can keep per-frame timestamps in this container (AVI: a rate). */
export function keepsTimestamps(container: ContainerName): boolean {
  return container !== 'avi';
}

export interface EncodeArgsInput {
  container: ContainerName;
  /** Size of the frames Node writes (upright). */
  width: number;
  height: number;
  /** Frame rate as ffmpeg reads it: "30000/1001", "25". */
  frameRate: string;
  /** Display rotation of the input, counter-clockwise degrees. */
  rotation: number;
  settings?: EncoderSettings;
  /**
   * Frames come as Matroska (`mkv.raw.ts`) carrying each frame's timestamp, which is kept
   * (`-vsync passthrough`, encoder time base = the input's microseconds).
   */
  timestamps?: boolean;
}

/** Encoder: raw yuv420p frames on stdin -> compressed video in NUT on stdout. */
export function encodeArgs(o: EncodeArgsInput): string[] {
  const profile = PROFILES[o.container];
  const filter = profile.carriesRotation ? unrotateFilter(o.rotation) : undefined;
  const input = o.timestamps
    ? [
        ...['-f', 'matroska', '-i', 'pipe:0', '-vsync', 'passthrough', '-enc_time_base', '-1'],
        // The average rate as the encoder's hint (rate control) and each packet's duration,
        // which sets the last frame's (else guessed from the times: 1/300 s, cut by MP4).
        ...['-r', o.frameRate],
      ]
    : [
        ...['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${o.width}x${o.height}`],
        ...['-framerate', o.frameRate, '-i', 'pipe:0'],
      ];
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...input,
    ...(filter ? ['-vf', filter] : []),
    ...videoCodecArgs(o.container, o.settings),
    '-pix_fmt',
    'yuv420p',
    // NUT would otherwise shift all times by the B-frame delay (its dts may not be negative).
    ...(o.timestamps ? ['-avoid_negative_ts', 'disabled'] : []),
    // Codec headers out of band, so the muxer can stream-copy into mp4/mkv.
    '-flags',
    '+global_header',
    '-f',
    'nut',
    'pipe:1',
  ];
}

export interface MuxArgsInput {
  container: ContainerName;
  /** The original file: its audio streams are mapped from here. */
  input: string;
  output: string;
  /** Codec names of the input's audio streams, in order. */
  audioCodecs: string[];
  rotation: number;
  /** Frame rate fraction; AVI stores a rate rather than timestamps, so it must be given. */
  frameRate?: string;
  /**
   * Timestamp path: the video carries the source's frame times from 0 at its first frame,
   * whose own time in the source is `videoStart` seconds: placed there (`-itsoffset`), with the
   * audio's times kept too (`-copyts`), both keep the source's clock. MP4/MOV count the times
   * in the source's time base (`timeBase`, "1/15360"), so each frame lands on its tick.
   */
  timestamps?: boolean;
  videoStart?: number;
  timeBase?: string;
}

/** Muxer: encoded video (NUT on stdin) + every original audio stream -> output container. */
export function muxArgs(o: MuxArgsInput): string[] {
  const profile = PROFILES[o.container];
  const audio: string[] = [];
  o.audioCodecs.forEach((codec, i) => {
    audio.push('-map', `1:a:${i}`);
    const copyable = profile.audioCopyable === null || profile.audioCopyable.includes(codec);
    const opts = copyable ? ['-c:a', 'copy'] : profile.audioFallback;
    // Per-stream codec options: "-c:a:1 aac".
    for (let k = 0; k < opts.length; k += 2) audio.push(`${opts[k]}:${i}`, opts[k + 1]);
  });
  const rotation = ((o.rotation % 360) + 360) % 360;
  const rotate =
    profile.carriesRotation && rotation !== 0 ? ['-metadata:s:v:0', `rotate=${rotation}`] : [];
  const timed = o.timestamps && keepsTimestamps(o.container);
  const scale = Number(/^1\/(\d+)$/.exec(o.timeBase ?? '')?.[1]);
  const mov = o.container === 'mp4' || o.container === 'mov';
  const timescale =
    timed && mov && scale > 0 && scale <= TIMESTAMP_TB
      ? ['-video_track_timescale', String(scale)]
      : [];
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...(timed ? ['-copyts', '-itsoffset', (o.videoStart ?? 0).toFixed(6)] : []),
    '-f',
    'nut',
    '-i',
    'pipe:0',
    '-i',
    o.input,
    '-map',
    '0:v:0',
    '-c:v',
    'copy',
    ...audio,
    ...rotate,
    ...timescale,
    // MPEG-TS would add its own 1.4 s on top of the kept times.
    ...(timed && profile.format === 'mpegts' ? ['-mpegts_copyts', '1'] : []),
    // Without it the AVI muxer takes the codec's tick rate (twice the frame rate for H.264).
    ...(o.container === 'avi' && o.frameRate ? ['-r', o.frameRate] : []),
    '-map_metadata',
    '1',
    ...profile.muxerArgs,
    '-f',
    profile.format,
    '-y',
    o.output,
  ];
}
