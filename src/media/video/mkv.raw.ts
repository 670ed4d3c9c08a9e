/**
 * The smallest Matroska stream that carries raw frames with a timestamp each, for the
 * encoder of the timestamp path: one V_UNCOMPRESSED track (ColourSpace "I420", which the
 * 2018 ffmpeg demuxes as yuv420p), a segment of unknown size (a pipe), and one cluster per
 * frame whose timecode is the frame's time in microseconds (TimecodeScale 1000 ns).
 * Raw pipes carry no timestamps; this keeps variable frame rates frame by frame.
 */
import { TIMESTAMP_TB } from './ffmpeg-args.ts';

const ID = {
  ebml: 0x1a45dfa3,
  ebmlVersion: 0x4286,
  ebmlReadVersion: 0x42f7,
  maxIdLength: 0x42f2,
  maxSizeLength: 0x42f3,
  docType: 0x4282,
  docTypeVersion: 0x4287,
  docTypeReadVersion: 0x4285,
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  muxingApp: 0x4d80,
  writingApp: 0x5741,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackUid: 0x73c5,
  trackType: 0x83,
  codecId: 0x86,
  video: 0xe0,
  pixelWidth: 0xb0,
  pixelHeight: 0xba,
  colourSpace: 0x2eb524,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  simpleBlock: 0xa3,
} as const;

/** EBML element size as a variable-length integer (shortest form). */
export function sizeVint(n: number): Buffer {
  for (let len = 1; len <= 8; len++) {
    // All-ones is reserved (unknown size).
    if (n < 2 ** (7 * len) - 1) {
      const out = Buffer.alloc(len);
      let v = n;
      for (let i = len - 1; i >= 0; i--) {
        out[i] = v % 256;
        v = Math.floor(v / 256);
      }
      out[0] |= 1 << (8 - len);
      return out;
    }
  }
  throw new RangeError(`EBML size too large: ${n}`);
}

function idBytes(id: number): Buffer {
  const hex = id.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

function element(id: number, body: Buffer): Buffer {
  return Buffer.concat([idBytes(id), sizeVint(body.length), body]);
}

function uint(id: number, n: number): Buffer {
  let hex = Math.max(0, Math.round(n)).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return element(id, Buffer.from(hex, 'hex'));
}

const text = (id: number, s: string) => element(id, Buffer.from(s, 'utf8'));

/** Stream head: EBML header, open segment, info and the one video track. */
export function rawMatroskaHeader(width: number, height: number): Buffer {
  return Buffer.concat([
    element(
      ID.ebml,
      Buffer.concat([
        uint(ID.ebmlVersion, 1),
        uint(ID.ebmlReadVersion, 1),
        uint(ID.maxIdLength, 4),
        uint(ID.maxSizeLength, 8),
        text(ID.docType, 'matroska'),
        uint(ID.docTypeVersion, 4),
        uint(ID.docTypeReadVersion, 2),
      ]),
    ),
    // Segment of unknown size: a stream written as it goes.
    idBytes(ID.segment),
    Buffer.from('01ffffffffffffff', 'hex'),
    element(
      ID.info,
      Buffer.concat([
        uint(ID.timecodeScale, 1e9 / TIMESTAMP_TB),
        text(ID.muxingApp, 'veil'),
        text(ID.writingApp, 'veil'),
      ]),
    ),
    element(
      ID.tracks,
      element(
        ID.trackEntry,
        Buffer.concat([
          uint(ID.trackNumber, 1),
          uint(ID.trackUid, 1),
          uint(ID.trackType, 1),
          text(ID.codecId, 'V_UNCOMPRESSED'),
          element(
            ID.video,
            Buffer.concat([
              uint(ID.pixelWidth, width),
              uint(ID.pixelHeight, height),
              element(ID.colourSpace, Buffer.from('I420', 'ascii')),
            ]),
          ),
        ]),
      ),
    ),
  ]);
}

/**
 * The bytes before one frame's pixels: a cluster at `timeUs` (microseconds, at least 0)
 * holding one keyframe SimpleBlock of `frameBytes` bytes. Write the frame right after it.
 */
export function rawMatroskaFrameHead(timeUs: number, frameBytes: number): Buffer {
  const timecode = uint(ID.timecode, timeUs);
  // Track 1, relative timecode 0, keyframe.
  const blockHead = Buffer.from([0x81, 0, 0, 0x80]);
  const block = Buffer.concat([
    idBytes(ID.simpleBlock),
    sizeVint(blockHead.length + frameBytes),
    blockHead,
  ]);
  const clusterBody = timecode.length + block.length + frameBytes;
  return Buffer.concat([idBytes(ID.cluster), sizeVint(clusterBody), timecode, block]);
}
