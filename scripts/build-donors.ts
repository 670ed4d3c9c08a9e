/**
 * Offline build of the `syn` donor bank (models/syn/): faces that belong to nobody.
 *
 * Input: the Face Research Lab London Set (CC BY 4.0), neutral front photos and their
 * self-reported info, from the GitHub repository debruine/webmorphR.stim (not committed:
 * 40 MB). Each photo's face is meshed (Human, 468 points), its texture unwrapped into the
 * canonical UV square, and its shape similarity-normalised. Faces are grouped by gender and
 * measured skin lightness into groups of k >= 5 neighbours; each group's textures and shapes
 * are averaged (k-Same-M: shape and shape-free texture averaged separately). Only the
 * averages are written.
 *
 *   node --import tsx scripts/build-donors.ts --repo <webmorphR.stim git dir> [--k 6]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { rgbToLab } from '../src/engine/syn/colour.transfer.ts';
import {
  DONOR_DIRS,
  TEXTURE_SIZE,
  type Donor,
  type DonorManifest,
} from '../src/engine/syn/donor.bank.ts';
import { FaceMeshRuntime, type FaceAnalysis } from '../src/engine/syn/human.runtime.ts';
import type { RgbFrame } from '../src/engine/types.ts';
import { createWarpTarget, warpTriangles, type Vec2 } from '../src/engine/syn/mesh.geometry.ts';
import { normaliseShape } from '../src/engine/syn/shape.ts';

export interface Person {
  id: string;
  gender: 'female' | 'male';
  age: number;
  texture: Float32Array;
  covered: Uint8Array;
  shape: Vec2[];
  lightness: number;
}

export interface LondonFace {
  id: string;
  gender: 'female' | 'male';
  age: number;
  /** Neutral and smiling photos (JPEG), as stored in the set. */
  neutral: Buffer;
  smiling?: Buffer;
}

/** The London set's faces with both photos where present, from a git directory of the repository. */
export function readLondonSet(repo: string): LondonFace[] {
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', repo, ...args], { maxBuffer: 1 << 26 });
  const tryShow = (p: string) => {
    try {
      return git('show', `HEAD:${p}`);
    } catch {
      return undefined;
    }
  };
  const rows = git('show', 'HEAD:data-raw/london_info.csv').toString().trim().split('\n').slice(1);
  const faces: LondonFace[] = [];
  for (const row of rows) {
    const [id, age, gender] = row.split(',');
    const neutral = tryShow(`inst/neutral_front/${id}_03.jpg`);
    if (!neutral || (gender !== 'female' && gender !== 'male')) continue;
    const smiling = tryShow(`inst/smiling_front/${id}_08.jpg`);
    // Two people did not give their age ("NA"): unknown, left out of the donors' mean age.
    faces.push({ id, gender, age: age === 'NA' ? NaN : Number(age), neutral, smiling });
  }
  return faces;
}

/** Unwraps a meshed face's texture into UV space and normalises its shape. */
export function unwrapFace(
  runtime: FaceMeshRuntime,
  frame: RgbFrame,
  face: FaceAnalysis,
  id: string,
  gender: Person['gender'],
  age: number,
): Person {
  const uvPts = runtime.uv.map(([u, v]) => [u * TEXTURE_SIZE, v * TEXTURE_SIZE] as Vec2);
  const mesh = face.mesh.map(([x, y]) => [x, y] as Vec2);
  const target = createWarpTarget(0, 0, TEXTURE_SIZE, TEXTURE_SIZE);
  warpTriangles(frame, mesh, uvPts, runtime.triangles, target);
  // Skin lightness: the forehead band of the unwrapped texture.
  let l = 0;
  let n = 0;
  for (let y = Math.round(TEXTURE_SIZE * 0.15); y < TEXTURE_SIZE * 0.3; y++)
    for (let x = Math.round(TEXTURE_SIZE * 0.3); x < TEXTURE_SIZE * 0.7; x++) {
      const i = y * TEXTURE_SIZE + x;
      if (!target.covered[i]) continue;
      l += rgbToLab(target.rgb[i * 3], target.rgb[i * 3 + 1], target.rgb[i * 3 + 2])[0];
      n++;
    }
  return {
    id,
    gender,
    age,
    texture: target.rgb,
    covered: target.covered,
    shape: normaliseShape(mesh),
    lightness: l / Math.max(1, n),
  };
}

/** Meshes each face, unwraps its texture into UV space and normalises its shape. */
export async function prepareFaces(
  runtime: FaceMeshRuntime,
  faces: LondonFace[],
): Promise<Person[]> {
  const people: Person[] = [];
  for (const f of faces) {
    const { data, info: img } = await sharp(f.neutral)
      .resize(640)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data: new Uint8Array(data), width: img.width, height: img.height };
    const [face] = await runtime.analyze(frame);
    if (!face) continue;
    people.push(unwrapFace(runtime, frame, face, f.id, f.gender, f.age));
  }
  return people;
}

/** Mean age of the members whose age is known (NaN if none). */
function meanAge(group: Person[]): number {
  const known = group.filter((p) => Number.isFinite(p.age));
  return known.reduce((s, p) => s + p.age, 0) / known.length;
}

/** Consecutive runs of k by lightness; a short tail joins the previous group. */
function groupsOf(list: Person[], k: number): Person[][] {
  const sorted = [...list].sort((a, b) => a.lightness - b.lightness);
  const groups: Person[][] = [];
  for (let i = 0; i < sorted.length; i += k) groups.push(sorted.slice(i, i + k));
  if (groups.length > 1 && groups[groups.length - 1].length < 5) {
    const tail = groups.pop() as Person[];
    groups[groups.length - 1].push(...tail);
  }
  return groups;
}

/** Averages groups of k people (same gender, neighbouring lightness) into donors. */
export function buildDonors(people: Person[], k: number): Donor[] {
  if (k < 5) throw new Error('k must be at least 5: a donor must belong to nobody');
  const donors: Donor[] = [];
  for (const gender of ['female', 'male'] as const) {
    for (const [g, group] of groupsOf(
      people.filter((p) => p.gender === gender),
      k,
    ).entries()) {
      const size = TEXTURE_SIZE * TEXTURE_SIZE;
      const sum = new Float32Array(size * 3);
      const count = new Uint16Array(size);
      for (const p of group)
        for (let i = 0; i < size; i++) {
          if (!p.covered[i]) continue;
          count[i]++;
          for (let c = 0; c < 3; c++) sum[i * 3 + c] += p.texture[i * 3 + c];
        }
      const out = new Uint8Array(size * 3);
      for (let i = 0; i < size; i++)
        for (let c = 0; c < 3; c++) out[i * 3 + c] = count[i] ? sum[i * 3 + c] / count[i] : 128;
      const shape = group[0].shape.map((_, j) => {
        const x = group.reduce((s, p) => s + p.shape[j][0], 0) / group.length;
        const y = group.reduce((s, p) => s + p.shape[j][1], 0) / group.length;
        return [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4] as Vec2;
      });
      const id = `${gender[0]}${String(g + 1).padStart(2, '0')}`;
      const mean = (f: (p: Person) => number) => group.reduce((s, p) => s + f(p), 0) / group.length;
      donors.push({
        id,
        file: `donor-${id}.jpg`,
        gender,
        lightness: Math.round(mean((p) => p.lightness) * 10) / 10,
        age: Math.round(meanAge(group)),
        members: group.length,
        shape,
        texture: { data: out, width: TEXTURE_SIZE, height: TEXTURE_SIZE },
      });
    }
  }
  return donors;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { repo: { type: 'string' }, k: { type: 'string', default: '6' } },
  });
  if (!values.repo) throw new Error('--repo <webmorphR.stim git directory> is required');
  const runtime = await FaceMeshRuntime.load();
  const people = await prepareFaces(runtime, readLondonSet(values.repo));
  console.log(`${people.length} faces meshed`);
  const donors = buildDonors(people, Number(values.k));
  mkdirSync(DONOR_DIRS[0], { recursive: true });
  const manifest: DonorManifest = { textureSize: TEXTURE_SIZE, donors: [] };
  for (const { texture, ...info } of donors) {
    await sharp(Buffer.from(texture.data), {
      raw: { width: TEXTURE_SIZE, height: TEXTURE_SIZE, channels: 3 },
    })
      .jpeg({ quality: 90 })
      .toFile(path.join(DONOR_DIRS[0], info.file));
    manifest.donors.push(info);
    console.log(info.id, info.members, 'faces, L*', info.lightness, 'age', info.age);
  }
  writeFileSync(path.join(DONOR_DIRS[0], 'donors.json'), JSON.stringify(manifest));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
