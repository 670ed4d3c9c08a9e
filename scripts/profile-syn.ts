/**
 * Where the time of `syn` goes, per stage, on the calling thread: the five faces of
 * test/fixtures/images/group-5-faces.jpg on a 1920x1080 frame. Each stage is run alone on
 * every face (`--reps` times) and its median ms per face printed, then the whole
 * `synthesizeFace` as an image (every face judged) and as video frames with track memory.
 * Prints CPU ms (all threads of this process) and wall ms. Needs the donor bank.
 *
 *   node --import tsx scripts/profile-syn.ts [--reps 3] [--frames 16] [--video-only]
 */
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine/index.ts';
import { getSynContext } from '../src/engine/syn/index.ts';
import { labStats, transferLab } from '../src/engine/syn/colour.transfer.ts';
import { cropAround, toFrame } from '../src/engine/syn/face.crop.ts';
import { nextBox, rollOf } from '../src/engine/syn/mesh.tracking.ts';
import { boxBlur, renderDonorFace } from '../src/engine/syn/face.render.ts';
import { synthesizeFace } from '../src/engine/syn/face.synthesizer.ts';
import { centralFace, judgeOutput } from '../src/engine/syn/identity.judge.ts';
import { createWarpTarget, warpTriangles, type Vec2 } from '../src/engine/syn/mesh.geometry.ts';
import { newTrackMemory, type TrackMemory } from '../src/engine/syn/track.memory.ts';
import { synBenchFrame } from './syn-frame.ts';
import { defaultAnonymizeOptions, type Detection, type RgbFrame } from '../src/engine/types.ts';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    frames: { type: 'string', default: '16' },
    // Only the end-to-end video run (each stage alone takes minutes on a loaded machine).
    'video-only': { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);

let t0 = performance.now();
const ctx = await getSynContext();
const setup = performance.now() - t0;
const engine = await createEngine({ workers: 1, threads: 1 });
const frame = await synBenchFrame();
const opts = { ...defaultAnonymizeOptions, model: 'syn' as const, enableLp: false };
const faces = (await engine.detect(frame, opts)).filter((d) => d.cls === 'face');
await engine.close();
const copy = (): RgbFrame => ({ ...frame, data: frame.data.slice() });

const rows: [string, number, number][] = [];
/** CPU ms of this process (all threads): on a shared machine wall time is mostly waiting. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Median CPU and wall ms per face of `run` over every face, `reps` times. */
async function stage(name: string, run: (det: Detection, i: number) => unknown) {
  if (values['video-only']) return;
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < reps; r++) {
    const [c, t] = [cpuNow(), performance.now()];
    for (const [i, det] of faces.entries()) await run(det, i);
    cpu.push((cpuNow() - c) / faces.length);
    wall.push((performance.now() - t) / faces.length);
  }
  const mid = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  rows.push([name, mid(cpu), mid(wall)]);
}

const crops = faces.map((d) => cropAround(frame, d));
const analysed = await Promise.all(
  crops.map(async (c) => centralFace(await ctx.runtime.analyze(c.image), c.image.width)!),
);
const meshes = analysed.map((f, i) => f.mesh.map((p) => toFrame(crops[i], p)));
const donor = ctx.bank.ranked({ gender: 'unknown', lightness: 60, key: 'k', salt: 's' })[0];

await stage('crop (cropAround)', (d) => cropAround(frame, d));
await stage('Human mesh only (detector + mesh)', (_, i) =>
  ctx.runtime.analyze(crops[i].image, { describe: false }),
);
const boxes = analysed.map((f) => {
  const side = Math.max(f.box[2], f.box[3]);
  return nextBox(f.mesh, [0, 0, side, side]);
});
// Absent before the tracked mesh existed (profiling an older checkout).
const canTrack = typeof ctx.runtime.track === 'function';
const tracked = await Promise.all(
  crops.map((c, i) =>
    canTrack ? ctx.runtime.track(c.image, boxes[i], rollOf(analysed[i].mesh)) : undefined,
  ),
);
const drift = tracked.map((t, i) => {
  if (!t) return NaN;
  const m = analysed[i].mesh;
  const d = t.mesh.reduce((s, p, k) => s + Math.hypot(p[0] - m[k][0], p[1] - m[k][1]), 0);
  return d / m.length / Math.max(boxes[i][2], 1);
});
if (canTrack)
  await stage('Human tracked mesh (no detector)', (_, i) =>
    ctx.runtime.track(crops[i].image, boxes[i], rollOf(analysed[i].mesh)),
  );
await stage('Human mesh + faceres', (_, i) => ctx.runtime.analyze(crops[i].image));
await stage('face-api describe (original, SSD detector)', (_, i) =>
  ctx.judge!.describe(crops[i].image),
);
// Where the track's previous check found the face (here: this frame's own SSD box).
const faceApiBoxes = await Promise.all(
  crops.map(async (c) => {
    const ref = await ctx.judge!.describe(c.image);
    const f = ref?.[0].found;
    const side = c.image.width;
    return f && ([f.x / side, f.y / side, f.width / side, f.height / side] as const);
  }),
);
await stage('face-api describe (original, at the track box)', (_, i) =>
  ctx.judge!.describe(crops[i].image, faceApiBoxes[i] && [...faceApiBoxes[i]]),
);
const size = donor.texture.width;
const uvPts = ctx.topology.uv.map(([u, v]) => [u * size, v * size] as Vec2);
await stage('render: warp only', (_, i) => {
  const xs = meshes[i].map((p) => p[0]);
  const ys = meshes[i].map((p) => p[1]);
  const x = Math.floor(Math.min(...xs));
  const y = Math.floor(Math.min(...ys));
  const w = Math.ceil(Math.max(...xs)) - x + 2;
  const h = Math.ceil(Math.max(...ys)) - y + 2;
  const target = createWarpTarget(x, y, w, h);
  warpTriangles(donor.texture, uvPts, meshes[i], ctx.topology.triangles, target);
  (analysed[i] as unknown as { target: unknown }).target = target;
});
await stage('render: colour stats + transfer', (_, i) => {
  const target = (analysed[i] as unknown as { target: ReturnType<typeof createWarpTarget> }).target;
  const s = labStats(target.rgb, target.covered, 2);
  transferLab(target.rgb.slice(), target.covered, s, s);
});
await stage('render: feather blur', (_, i) => {
  const target = (analysed[i] as unknown as { target: ReturnType<typeof createWarpTarget> }).target;
  const a = Float32Array.from(target.covered);
  boxBlur(a, target.width, target.height, 7);
});
await stage('render (renderDonorFace, all)', (_, i) =>
  renderDonorFace(copy(), meshes[i], donor, ctx.topology, 0.75),
);
const originals = await Promise.all(
  crops.map(async (c, i) => ({
    faceres: [analysed[i].embedding],
    faceApi: await ctx.judge!.describe(c.image),
    earlierFaceApi: [],
  })),
);
const outputs = faces.map((d, i) => {
  const f = copy();
  renderDonorFace(f, meshes[i], donor, ctx.topology, 0.75);
  return cropAround(f, d).image;
});
await stage('judge: Human faceres on output', (_, i) => ctx.runtime.analyze(outputs[i]));
await stage('judge: face-api views on output', (_, i) =>
  ctx.judge!.closestDistance(outputs[i], originals[i].faceApi ?? []),
);
await stage('judge (judgeOutput, all)', (_, i) =>
  judgeOutput(ctx.runtime, ctx.judge, outputs[i], originals[i]),
);
const outcomes: string[] = [];
await stage('IMAGE: synthesizeFace end to end', async (d, i) => {
  const o = await synthesizeFace(ctx, copy(), d, `face:${i}`, 'b');
  outcomes.push(o.kind);
});

// Video: the same frame again and again, one track per face.
const frames = Number(values.frames);
const tracks: TrackMemory[] = faces.map(() => newTrackMemory());
let checked = 0;
const perTrack = faces.map(() => '');
t0 = performance.now();
const c0 = cpuNow();
for (let f = 0; f < frames; f++) {
  const fr = copy();
  for (const [i, d] of faces.entries()) {
    const o = await synthesizeFace(ctx, fr, { ...d, trackId: i }, `track:${i}`, 'b', tracks[i]);
    if (o.kind === 'replaced' && o.checked) checked++;
    perTrack[i] +=
      o.kind === 'blurred' ? 'b' : o.checked ? (o.faceApiDistance! < 0.72 ? 'T' : 'C') : '.';
  }
}
// Per track and frame: C checked, T checked with a thin margin, . not checked, b blurred.
console.log('video tracks:', perTrack.join(' '));
rows.push([
  `VIDEO: per face-frame (${frames} frames, judged ${checked}/${frames * faces.length})`,
  (cpuNow() - c0) / (frames * faces.length),
  (performance.now() - t0) / (frames * faces.length),
]);

console.log(`faces ${faces.length}, sides ${faces.map((d) => Math.round(d.box.x2 - d.box.x1))}`);
console.log(`model + donor load (once per process): ${setup.toFixed(0)} ms`);
console.log('| stage | CPU ms per face | wall ms |\n|---|---:|---:|');
for (const [name, cpu, wall] of rows)
  console.log(`| ${name} | ${cpu.toFixed(1)} | ${wall.toFixed(1)} |`);
console.log('image outcomes', outcomes.join(' '));
console.log(
  'tracked vs detected mesh: mean point distance / box side',
  drift.map((d) => d.toFixed(4)).join(' '),
  'yaw',
  tracked.map((t, i) => `${t?.yaw.toFixed(3)}/${analysed[i].yaw.toFixed(3)}`).join(' '),
);
process.exit(0);
