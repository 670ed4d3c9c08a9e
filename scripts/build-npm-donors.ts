/**
 * Experimental committable donor bank: averages built only from photos shipped in npm packages
 * Veil already depends on (@vladmandic/face-api demo/sample1..6.jpg, MIT), so that a fresh clone
 * could run `syn` without the London Set. Same averaging as scripts/build-donors.ts (k >= 5).
 *
 *   node --import tsx scripts/build-npm-donors.ts --out DIR [--k 5] [--max-yaw 0.35]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createEngine } from '../src/engine/index.ts';
import { TEXTURE_SIZE, type DonorManifest } from '../src/engine/syn/donor.bank.ts';
import { cropAround } from '../src/engine/syn/face.crop.ts';
import { FaceMeshRuntime } from '../src/engine/syn/human.runtime.ts';
import { centralFace } from '../src/engine/syn/identity.judge.ts';
import { defaultAnonymizeOptions } from '../src/engine/types.ts';
import { buildDonors, unwrapFace, type Person } from './build-donors.ts';

/**
 * Most of these faces are turned: their far half is squeezed and smeared in UV space. The
 * canonical UV map is left-right symmetric, so the near half, mirrored, replaces the far one.
 */
function mirrorHiddenHalf(p: Person, mesh: number[][], uv: [number, number][]): void {
  const spread = (left: boolean) => {
    const xs = mesh.filter((_, i) => uv[i][0] < 0.5 === left).map((q) => q[0]);
    return Math.max(...xs) - Math.min(...xs);
  };
  const keepLeft = spread(true) >= spread(false);
  const n = TEXTURE_SIZE;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n / 2; x++) {
      const hidden = keepLeft ? n - 1 - x : x;
      const seen = n - 1 - hidden;
      const [h, v] = [y * n + hidden, y * n + seen];
      p.covered[h] = p.covered[v];
      for (let c = 0; c < 3; c++) p.texture[h * 3 + c] = p.texture[v * 3 + c];
    }
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    k: { type: 'string', default: '5' },
    'max-yaw': { type: 'string', default: '0.35' },
  },
});
if (!values.out) throw new Error('--out DIR');
const require = createRequire(import.meta.url);
const demo = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const runtime = await FaceMeshRuntime.load();
const engine = await createEngine({ workers: 1, threads: 1 });
const people: Person[] = [];
for (let s = 1; s <= 6; s++) {
  const { data, info } = await sharp(path.join(demo, `sample${s}.jpg`))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
  const faces = (
    await engine.detect(frame, { ...defaultAnonymizeOptions, enableLp: false })
  ).filter((d) => d.cls === 'face');
  for (const [i, det] of faces.entries()) {
    const crop = cropAround(frame, det);
    const face = centralFace(await runtime.analyze(crop.image), crop.image.width);
    const ok =
      face && Math.abs(face.yaw) < Number(values['max-yaw']) && Math.abs(face.pitch) < 0.35;
    console.log(
      `sample${s} face ${i}: ${face ? `yaw ${face.yaw.toFixed(2)} pitch ${face.pitch.toFixed(2)} ${face.gender} ${face.genderScore?.toFixed(2)} age ${face.age?.toFixed(0)}` : 'no mesh'}${ok ? '' : ' (skipped)'}`,
    );
    if (!face || !ok) continue;
    const gender = face.gender === 'male' ? 'male' : 'female';
    const person = unwrapFace(runtime, crop.image, face, `s${s}f${i}`, gender, face.age ?? NaN);
    mirrorHiddenHalf(person, face.mesh, runtime.uv);
    people.push(person);
  }
}
console.log(`${people.length} usable faces`);
const donors = buildDonors(people, Number(values.k));
mkdirSync(values.out, { recursive: true });
const manifest: DonorManifest = { textureSize: TEXTURE_SIZE, donors: [] };
for (const { texture, ...info } of donors) {
  await sharp(Buffer.from(texture.data), {
    raw: { width: TEXTURE_SIZE, height: TEXTURE_SIZE, channels: 3 },
  })
    .jpeg({ quality: 90 })
    .toFile(path.join(values.out, info.file));
  manifest.donors.push(info);
  console.log(info.id, info.members, 'faces, L*', info.lightness, 'age', info.age);
}
writeFileSync(path.join(values.out, 'donors.json'), JSON.stringify(manifest));
await engine.close();
process.exit(0);
