/**
 * The donor bank: averaged faces (k >= 5 people each) in canonical UV space, built offline by
 * scripts/build-donors.ts. A face gets a donor of its apparent gender and nearest skin
 * lightness, picked among the nearest few by a salted hash so different people (and tracks)
 * get different synthetic identities while one key always gets the same one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RgbImage, Vec2 } from './mesh.geometry.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Where the donor bank is looked for, in order. The averages are built from a public face set
 * held in a GitHub repository, which this project does not commit, so a checkout may only have
 * them under `shared/models/syn/` beside it (or nowhere: then `syn` blurs faces instead).
 */
export const DONOR_DIRS = [
  path.join(repoRoot, 'models', 'syn'),
  path.join(repoRoot, '..', 'shared', 'models', 'syn'),
];

/** The first folder holding a donor bank, or undefined. */
export function findDonorDir(dirs: readonly string[] = DONOR_DIRS): string | undefined {
  return dirs.find((dir) => existsSync(path.join(dir, 'donors.json')));
}

/** Thrown when no donor bank is installed. */
export class NoDonorBankError extends Error {
  override name = 'NoDonorBankError';
  constructor() {
    super(`no syn donor bank (donors.json) in ${DONOR_DIRS.join(' or ')}`);
  }
}
export const TEXTURE_SIZE = 256;

export interface DonorInfo {
  id: string;
  file: string;
  gender: 'female' | 'male';
  /** Mean L* of the members' cheeks and forehead. */
  lightness: number;
  age: number;
  members: number;
  /** Mean normalised shape (468 points). */
  shape: Vec2[];
}

export interface DonorManifest {
  textureSize: number;
  donors: DonorInfo[];
}

export interface Donor extends DonorInfo {
  texture: RgbImage;
}

/** What the chooser knows of the face to replace. */
export interface DonorQuery {
  gender: 'female' | 'male' | 'unknown';
  lightness: number;
  /** Stable key: track id in video, face index in an image. */
  key: string;
  salt: string;
  /** Donor ids to avoid (a previous attempt that still matched). */
  exclude?: readonly string[];
}

/** Candidates per face: enough spread that two people rarely share a donor. */
const NEAREST = 3;

export class DonorBank {
  constructor(readonly donors: Donor[]) {
    if (donors.length === 0) throw new Error('empty donor bank');
  }

  static async load(dir = findDonorDir()): Promise<DonorBank> {
    if (!dir) throw new NoDonorBankError();
    const manifest = JSON.parse(
      readFileSync(path.join(dir, 'donors.json'), 'utf8'),
    ) as DonorManifest;
    const donors = await Promise.all(
      manifest.donors.map(async (d) => {
        const { data, info } = await sharp(path.join(dir, d.file))
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const texture = { data: new Uint8Array(data), width: info.width, height: info.height };
        return { ...d, texture };
      }),
    );
    return new DonorBank(donors);
  }

  byId(id: string): Donor | undefined {
    return this.donors.find((d) => d.id === id);
  }

  /** The donor for `q`: the first of `ranked(q)`. */
  choose(q: DonorQuery): Donor {
    return this.ranked(q)[0];
  }

  /**
   * Donors in the order to try them for `q`: the hashed pick among the nearest few in skin
   * lightness (same apparent gender, none excluded), then the others by lightness distance.
   */
  ranked(q: DonorQuery): Donor[] {
    const pool = this.donors.filter(
      (d) => (q.gender === 'unknown' || d.gender === q.gender) && !q.exclude?.includes(d.id),
    );
    const list = pool.length > 0 ? pool : this.donors;
    const byLightness = [...list].sort(
      (a, b) => Math.abs(a.lightness - q.lightness) - Math.abs(b.lightness - q.lightness),
    );
    const near = byLightness.slice(0, NEAREST);
    const h = createHash('sha256').update(`${q.salt}\0${q.key}`).digest();
    const first = near[h.readUInt32BE(0) % near.length];
    return [first, ...byLightness.filter((d) => d !== first)];
  }
}
