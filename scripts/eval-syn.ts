/**
 * `npm run eval:syn`: does the `syn` model remove identity while leaving a face?
 *
 * Set: the Face Research Lab London Set (CC BY 4.0; 102 consenting adults, a neutral and a
 * smiling photo each), read from a git directory of the GitHub repository
 * debruine/webmorphR.stim (`--repo`, or VEIL_LONDON_SET). Two folds: faces of one half are
 * replaced with donors averaged from the other half only, so no face is ever replaced by an
 * average it is part of. The neutral photo is anonymized; the smiling one is the gallery.
 *
 * Prints: recognisers' sanity (neutral vs smiling of one person must match, or the test
 * cannot fail), outputs matched to the original (face-api distance < 0.6 at the original's
 * aligned box; Human faceres similarity >= its match level), rank-1 identification against
 * the smiling gallery (chance 1/N), outputs still detected by our detector (IoU >= 0.5),
 * landmark drift, ms per face, fallbacks. `--sheet FILE` writes a before/after contact sheet.
 *
 * Then `--tracks` people become video tracks of `--frames` 1080p frames (scripts/eval/syn-tracks.ts):
 * one synthetic person per track, no frame left uncovered, none matching, ms per face.
 *
 *   npm run eval:syn -- [--repo DIR] [--max 102] [--width 640] [--tracks 8] [--frames 12]
 *                       [--sheet docs/syn-contact-sheet.png]
 */
import { parseArgs } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { createEngine } from '../src/engine/index.ts';
import { DonorBank } from '../src/engine/syn/donor.bank.ts';
import { SYN_LIMITS, synthesizeFace, type SynOutcome } from '../src/engine/syn/face.synthesizer.ts';
import { FaceApiRuntime } from '../src/engine/syn/face-api.runtime.ts';
import { FaceMeshRuntime } from '../src/engine/syn/human.runtime.ts';
import { wideAuditSpent } from '../src/engine/syn/identity.judge.ts';
import { defaultAnonymizeOptions, type Detection, type RgbFrame } from '../src/engine/types.ts';
import { buildDonors, prepareFaces, readLondonSet } from './build-donors.ts';
import type { Xyxy } from './eval/dataset.ts';
import { iouXyxy } from './eval/metrics.ts';
import { distance, IdentityModel, SAME_PERSON_DISTANCE } from './eval/identity.ts';
import { impostorMatchRate, median, rank1Rate } from './eval/identity-stats.ts';
import { evalTracks } from './eval/syn-tracks.ts';

const { values } = parseArgs({
  options: {
    repo: { type: 'string', default: process.env.VEIL_LONDON_SET },
    max: { type: 'string', default: '102' },
    width: { type: 'string', default: '640' },
    k: { type: 'string', default: '6' },
    tracks: { type: 'string', default: '8' },
    frames: { type: 'string', default: '12' },
    sheet: { type: 'string' },
  },
});
if (!values.repo) throw new Error('--repo <webmorphR.stim git directory> (or VEIL_LONDON_SET)');

async function decode(jpeg: Buffer, width: number): Promise<RgbFrame> {
  const { data, info } = await sharp(jpeg)
    .resize(width)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const xyxy = (d: Detection): Xyxy => [d.box.x1, d.box.y1, d.box.x2, d.box.y2];
const largest = (dets: Detection[]) =>
  dets
    .filter((d) => d.cls === 'face')
    .sort(
      (a, b) =>
        (b.box.x2 - b.box.x1) * (b.box.y2 - b.box.y1) -
        (a.box.x2 - a.box.x1) * (a.box.y2 - a.box.y1),
    )[0];

/** Mean distance of the 5 detector landmarks, as a fraction of the face box's longer side. */
function landmarkDrift(a: Detection, b: Detection): number {
  if (!a.landmarks || !b.landmarks) return NaN;
  const size = Math.max(a.box.x2 - a.box.x1, a.box.y2 - a.box.y1);
  const d = a.landmarks.map((p, i) =>
    Math.hypot(p[0] - b.landmarks![i][0], p[1] - b.landmarks![i][1]),
  );
  return d.reduce((s, x) => s + x, 0) / d.length / size;
}

function cropTile(frame: RgbFrame, det: Detection): Sharp {
  const side = 1.5 * Math.max(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1);
  const cx = (det.box.x1 + det.box.x2) / 2;
  const cy = (det.box.y1 + det.box.y2) / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.min(frame.width - left, Math.round(side));
  const height = Math.min(frame.height - top, Math.round(side));
  return sharp(Buffer.from(frame.data), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .extract({ left, top, width, height })
    .resize(160, 160, { fit: 'cover' });
}

// syn's own runtimes (networks on onnxruntime unless VEIL_SYN_NETS=tfjs); the judge below
// runs the original libraries on TensorFlow.js: Human's faceres through `resJudge`, face-api
// through IdentityModel (face-api's own `nets`, which syn's runtime does not use).
const runtime = await FaceMeshRuntime.load();
const judge = await FaceApiRuntime.load();
const resJudge = await FaceMeshRuntime.load({ onnx: false });
const engine = await createEngine({ workers: 1, threads: 1 });
const identity = await IdentityModel.load();
const options = { ...defaultAnonymizeOptions, model: 'syn' as const, enableLp: false };
const topology = { triangles: runtime.triangles, uv: runtime.uv };

// Donors are always averaged from the whole set (two folds); `--max` limits the faces judged.
const all = readLondonSet(values.repo).filter((f) => f.smiling);
const set = all.slice(0, Number(values.max));
const people = await prepareFaces(runtime, all);
const foldOf = new Map(all.map((f, i) => [f.id, i % 2]));
const banks = [0, 1].map(
  (fold) =>
    new DonorBank(
      buildDonors(
        people.filter((p) => foldOf.get(p.id) !== fold),
        Number(values.k),
      ),
    ),
);
console.log(
  `${set.length} people; donors per fold: ${banks.map((b) => b.donors.length).join(', ')}`,
);

interface Row {
  id: string;
  outcome: SynOutcome;
  ms: number;
  /** CPU ms of the process (the recognisers run on this thread: close to the face's own). */
  cpuMs: number;
  faceapiOrig: Float32Array;
  faceapiSmile: Float32Array;
  faceapiOut: Float32Array;
  resSame: number;
  resOut: number;
  detected: boolean;
  drift: number;
}
const rows: Row[] = [];
const tiles: { before: Buffer; after: Buffer }[] = [];
const skipped = { noDetection: 0, recogniserMissed: 0 };
const width = Number(values.width);
for (const face of set) {
  const frame = await decode(face.neutral, width);
  const smile = await decode(face.smiling as Buffer, width);
  const det = largest(await engine.detect(frame, options));
  const refOrig = await identity.describe(frame);
  const refSmile = await identity.describe(smile);
  const [resOrig] = await resJudge.analyze(frame);
  const [resSmile] = await resJudge.analyze(smile);
  if (!det) {
    skipped.noDetection++;
    continue;
  }
  if (!refOrig || !refSmile || !resOrig || !resSmile) {
    skipped.recogniserMissed++;
    continue;
  }
  const out: RgbFrame = { ...frame, data: frame.data.slice() };
  const ctx = { runtime, judge, bank: banks[foldOf.get(face.id) as number], topology };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const audit0 = { ...wideAuditSpent };
  const outcome = await synthesizeFace(ctx, out, det, `face:${face.id}`, 'eval');
  const c1 = process.cpuUsage(c0);
  // Without the passes of VEIL_SYN_AUDIT_WIDE's audit (none when it is not set).
  const ms = performance.now() - t0 - (wideAuditSpent.ms - audit0.ms);
  const cpuMs = (c1.user + c1.system) / 1000 - (wideAuditSpent.cpuMs - audit0.cpuMs);
  const [resOut] = await resJudge.analyze(out);
  const after = (await engine.detect(out, options)).filter(
    (d) => d.cls === 'face' && iouXyxy(xyxy(d), xyxy(det)) >= 0.5,
  )[0];
  rows.push({
    id: face.id,
    outcome,
    ms,
    cpuMs,
    faceapiOrig: refOrig.descriptor,
    faceapiSmile: refSmile.descriptor,
    faceapiOut: await identity.describeAt(out, refOrig),
    resSame: resJudge.similarity(resOrig.embedding, resSmile.embedding),
    resOut: resOut ? resJudge.similarity(resOrig.embedding, resOut.embedding) : 0,
    detected: Boolean(after),
    drift: after ? landmarkDrift(det, after) : NaN,
  });
  if (values.sheet && tiles.length < 36)
    tiles.push({
      before: await cropTile(frame, det).png().toBuffer(),
      after: await cropTile(out, det).png().toBuffer(),
    });
  process.stdout.write(outcome.kind === 'replaced' ? '.' : 'b');
}
console.log();

const n = rows.length;
const pct = (k: number, of = n) => `${((100 * k) / Math.max(1, of)).toFixed(1)}% (${k}/${of})`;
const replaced = rows.filter((r) => r.outcome.kind === 'replaced');
const fa = (a: Float32Array, b: Float32Array) => distance(a, b);
const resMatch = SYN_LIMITS.matchSimilarity;
console.log(`faces evaluated: ${n} (skipped: ${JSON.stringify(skipped)})`);
console.log('recognisers on the untouched set (must match, or this test could not fail):');
console.log(
  `  face-api neutral vs smiling < ${SAME_PERSON_DISTANCE}: ${pct(rows.filter((r) => fa(r.faceapiOrig, r.faceapiSmile) < SAME_PERSON_DISTANCE).length)}`,
);
console.log(
  `  faceres  neutral vs smiling >= ${resMatch}: ${pct(rows.filter((r) => r.resSame >= resMatch).length)}`,
);
console.log(
  `  face-api rank-1 neutral -> smiling gallery: ${(
    100 *
    rank1Rate(
      rows.map((r) => r.faceapiOrig),
      rows.map((r) => r.faceapiSmile),
      fa,
    )
  ).toFixed(1)}%`,
);
console.log(
  `replaced ${replaced.length}, blurred ${n - replaced.length}: ${JSON.stringify(countReasons(rows))}`,
);
console.log('identity (all outputs, replaced or blurred):');
console.log(
  `  face-api output vs original < ${SAME_PERSON_DISTANCE}: ${pct(rows.filter((r) => fa(r.faceapiOrig, r.faceapiOut) < SAME_PERSON_DISTANCE).length)} (median distance ${median(rows.map((r) => fa(r.faceapiOrig, r.faceapiOut))).toFixed(3)})`,
);
console.log(
  `  face-api output vs other photo < ${SAME_PERSON_DISTANCE}: ${pct(rows.filter((r) => fa(r.faceapiSmile, r.faceapiOut) < SAME_PERSON_DISTANCE).length)}`,
);
console.log(
  `  faceres output vs original >= ${resMatch}: ${pct(rows.filter((r) => r.resOut >= resMatch).length)} (median similarity ${median(rows.map((r) => r.resOut)).toFixed(3)})`,
);
console.log(
  `  face-api rank-1 output -> smiling gallery: ${(
    100 *
    rank1Rate(
      rows.map((r) => r.faceapiOut),
      rows.map((r) => r.faceapiSmile),
      fa,
    )
  ).toFixed(1)}% (chance ${(100 / n).toFixed(1)}%)`,
);
console.log(
  `  outputs matching each other (face-api): ${(
    100 *
    impostorMatchRate(
      replaced.map((r) => r.faceapiOut),
      SAME_PERSON_DISTANCE,
      fa,
    )
  ).toFixed(1)}% of pairs (originals: ${(
    100 *
    impostorMatchRate(
      rows.map((r) => r.faceapiOrig),
      SAME_PERSON_DISTANCE,
      fa,
    )
  ).toFixed(1)}%)`,
);
for (const r of rows.filter(
  (x) => x.resOut >= resMatch || fa(x.faceapiOrig, x.faceapiOut) < SAME_PERSON_DISTANCE,
))
  console.log(
    `  matched: ${r.id} ${r.outcome.kind} faceres ${r.resOut.toFixed(2)} face-api ${fa(r.faceapiOrig, r.faceapiOut).toFixed(3)}`,
  );
console.log(
  `still a face: detected at the same place (IoU >= 0.5): ${pct(rows.filter((r) => r.detected).length)}; replaced only: ${pct(replaced.filter((r) => r.detected).length, replaced.length)}`,
);
const drifts = replaced.map((r) => r.drift).filter((d) => !Number.isNaN(d));
console.log(
  `pose kept: 5-landmark drift median ${(100 * median(drifts)).toFixed(1)}% of face size; within 5%: ${pct(drifts.filter((d) => d <= 0.05).length, drifts.length)}`,
);
console.log(
  `ms per face (mesh + render + recognition check): median ${median(rows.map((r) => r.ms)).toFixed(0)}, replaced median ${median(replaced.map((r) => r.ms)).toFixed(0)}; CPU ms median ${median(rows.map((r) => r.cpuMs)).toFixed(0)}, mean ${(rows.reduce((a, r) => a + r.cpuMs, 0) / Math.max(1, n)).toFixed(0)}; face box ~${(width / 3) | 0} px in ${width} px frames`,
);

function countReasons(list: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) {
    const key =
      r.outcome.kind === 'replaced' ? `replaced-attempt-${r.outcome.attempts}` : r.outcome.reason;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const trackPeople = set
  .filter((f) => f.smiling)
  .slice(0, Number(values.tracks))
  .map((f) => ({
    id: f.id,
    neutral: f.neutral,
    smiling: f.smiling as Buffer,
    bank: banks[foldOf.get(f.id) as number],
  }));
if (trackPeople.length > 0)
  await evalTracks({
    people: trackPeople,
    frames: Number(values.frames),
    engine,
    identity,
    options,
    context: (bank) => ({ runtime, judge, bank, topology }),
  });

if (values.sheet && tiles.length > 0) {
  const cols = 12;
  const rowsOfTiles = Math.ceil(tiles.length / cols);
  const composites = tiles.flatMap((t, i) => {
    const left = (i % cols) * 160;
    const top = Math.floor(i / cols) * 330;
    return [
      { input: t.before, left, top },
      { input: t.after, left, top: top + 160 },
    ];
  });
  await sharp({
    create: { width: cols * 160, height: rowsOfTiles * 330, channels: 3, background: '#fff' },
  })
    .composite(composites)
    .jpeg({ quality: 82 })
    .toFile(values.sheet);
  console.log(`contact sheet: ${values.sheet} (top: original, below: output)`);
}
await engine.close();
process.exit(0);
