/**
 * Test helpers that write archives byte by byte, so tests can make the malicious ones real
 * tools refuse to make: lying sizes, `../` names, symlinks, encryption flags.
 * ZIP per PKWARE's APPNOTE; RAR 5 per RARLAB's "RAR 5.0 archive format" (stored data only).
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  name: string;
  data?: Buffer;
  /** Deflate the data (default true). */
  deflate?: boolean;
  /** Uncompressed size to claim in the headers instead of the real one. */
  claimSize?: number;
  encrypted?: boolean;
  symlink?: boolean;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function craftZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const deflate = e.deflate ?? true;
    const packed = deflate ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const flags = (e.encrypted ? 0x0001 : 0) | 0x0800; // bit 11: UTF-8 names
    const method = deflate ? 8 : 0;
    const size = e.claimSize ?? data.length;
    const crc = crc32(data);
    const mode = e.symlink ? 0o120777 : e.name.endsWith('/') ? 0o040755 : 0o100644;
    const common = [
      u16(flags),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(packed.length),
      u32(size),
    ];
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      ...common,
      u16(name.length),
      u16(0),
      name,
      packed,
    ]);
    centrals.push(
      Buffer.concat([
        u32(0x02014b50),
        u16((3 << 8) | 20),
        u16(20),
        ...common,
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(mode << 16),
        u32(offset),
        name,
      ]),
    );
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(entries.length),
    u16(entries.length),
    u32(cd.length),
    u32(offset),
    u16(0),
  ]);
  return Buffer.concat([...locals, cd, end]);
}

function vint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/** A RAR 5 header block: CRC32, size, then the body (type onwards). */
function rarBlock(body: Buffer, data: Buffer = Buffer.alloc(0)): Buffer {
  const sized = Buffer.concat([vint(body.length), body]);
  return Buffer.concat([u32(crc32(sized)), sized, data]);
}

export interface RarEntrySpec {
  name: string;
  data?: Buffer;
  directory?: boolean;
  /** Unpacked size to claim instead of the real one. */
  claimSize?: number;
  encrypted?: boolean;
  symlinkTo?: string;
}

const RAR5_SIGNATURE = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);

function extraRecord(type: number, data: Buffer): Buffer {
  const body = Buffer.concat([vint(type), data]);
  return Buffer.concat([vint(body.length), body]);
}

export function craftRar5(entries: RarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [RAR5_SIGNATURE, rarBlock(Buffer.concat([vint(1), vint(0), vint(0)]))];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const extras: Buffer[] = [];
    if (e.encrypted) {
      // File encryption record: version 0, no flags, KDF count, 16-byte salt, 16-byte IV.
      extras.push(
        extraRecord(1, Buffer.concat([vint(0), vint(0), Buffer.from([15]), Buffer.alloc(32, 7)])),
      );
    }
    if (e.symlinkTo) {
      const target = Buffer.from(e.symlinkTo);
      extras.push(extraRecord(5, Buffer.concat([vint(1), vint(0), vint(target.length), target])));
    }
    const extra = Buffer.concat(extras);
    const name = Buffer.from(e.name);
    const attributes = e.symlinkTo ? 0o120777 : e.directory ? 0o040755 : 0o100644;
    const body = Buffer.concat([
      vint(2), // file header
      vint(0x0002 | (extra.length ? 0x0001 : 0)), // data area (+ extra area)
      ...(extra.length ? [vint(extra.length)] : []),
      vint(data.length),
      vint((e.directory ? 0x0001 : 0) | 0x0004), // CRC32 present
      vint(e.claimSize ?? data.length),
      vint(attributes),
      u32(crc32(data)),
      vint(0), // version 0, method 0: stored
      vint(1), // host OS: Unix
      vint(name.length),
      name,
      extra,
    ]);
    blocks.push(rarBlock(body, data));
  }
  blocks.push(rarBlock(Buffer.concat([vint(5), vint(0), vint(0)])));
  return Buffer.concat(blocks);
}

/** A RAR 5 archive whose headers are encrypted: only the encryption header is needed to refuse it. */
export function craftHeaderEncryptedRar5(): Buffer {
  const body = Buffer.concat([
    vint(4),
    vint(0),
    vint(0),
    vint(0x0001),
    Buffer.from([15]),
    Buffer.alloc(16, 3),
    Buffer.alloc(12, 5),
  ]);
  return Buffer.concat([RAR5_SIGNATURE, rarBlock(body), Buffer.alloc(64, 9)]);
}

/** A RAR 4 (RAR 2.9 format) archive of stored files, per RARLAB's technote for RAR 2.x-4.x. */
export function craftRar4(
  entries: Array<{ name: string; data?: Buffer; encrypted?: boolean }>,
): Buffer {
  const block = (type: number, flags: number, rest: Buffer, data: Buffer = Buffer.alloc(0)) => {
    const size = 7 + rest.length;
    const body = Buffer.concat([Buffer.from([type]), u16(flags), u16(size), rest]);
    return Buffer.concat([u16(crc32(body) & 0xffff), body, data]);
  };
  const parts = [
    Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00]),
    block(0x73, 0, Buffer.alloc(6)), // main header: two reserved fields
  ];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(e.name, 'latin1');
    const rest = Buffer.concat([
      u32(data.length), // packed size
      u32(data.length), // unpacked size
      Buffer.from([3]), // host OS: Unix
      u32(crc32(data)),
      u32(0x21), // DOS time
      Buffer.from([29, 0x30]), // unpack version 2.9, method: store
      u16(name.length),
      u32(0o100644),
      name,
    ]);
    // 0x8000: a data area follows; 0x0004: encrypted with a password.
    parts.push(block(0x74, 0x8000 | (e.encrypted ? 0x0004 : 0), rest, data));
  }
  parts.push(block(0x7b, 0x4000, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
