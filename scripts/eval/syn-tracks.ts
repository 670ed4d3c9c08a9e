/**
 * The video part of `npm run eval:syn`: each person becomes one track of 1080p frames (their
 * neutral photo, then their smiling one, moving and growing over a textured background), run
 * through `synthesizeFaces` frame after frame with track memory, as the video pipeline does.
 *
 * Measures: every frame replaced or blurred; no output frame matching the original frame
 * (face-api, at the original's aligned box and found afresh); the synthetic person staying
 * one person (face-api distance between output frames of one track, beside the same for the
 * real person); how often the recognisers ran; ms per face per frame.
 */
import sharp from 'sharp';
import type { Engine } from '../../src/engine/index.ts';
import type { DonorBank } from '../../src/engine/syn/donor.bank.ts';
import { synthesizeFaces, type TrackMemory } from '../../src/engine/syn/index.ts';
import type { SynContext, SynOutcome } from '../../src/engine/syn/face.synthesizer.ts';
import type { AnonymizeOptions, Detection, RgbFrame } from '../../src/engine/types.ts';
import { distance, SAME_PERSON_DISTANCE, type IdentityModel } from './identity.ts';
import { median } from './identity-stats.ts';

export interface TrackPerson {
  id: string;
  neutral: Buffer;
  smiling: Buffer;
  bank: DonorBank;
}

const W = 1920;
const H = 1080;

let background: Buffer | undefined;
async function backgroundFrame(): Promise<Buffer> {
  if (!background) {
    const noise = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        const v = 90 + (((x >> 4) ^ (y >> 4)) % 7) * 12 + ((x * 7 + y * 13) % 11);
        noise[o] = v;
        noise[o + 1] = v * 0.9;
        noise[o + 2] = v * 0.8;
      }
    background = noise;
  }
  return background;
}

/** Frame `t` of a person's track: the photo (face ~200 px) moving right and growing. */
async function trackFrame(p: TrackPerson, t: number, frames: number): Promise<RgbFrame> {
  const size = Math.round(600 + 4 * t);
  const photo = await sharp(t < frames / 2 ? p.neutral : p.smiling)
    .resize(size, size)
    .removeAlpha()
    .toBuffer();
  const { data } = await sharp(await backgroundFrame(), {
    raw: { width: W, height: H, channels: 3 },
  })
    .composite([{ input: photo, left: 400 + 14 * t, top: 200 + 3 * t }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: W, height: H };
}

const face = (dets: Detection[]) =>
  dets
    .filter((d) => d.cls === 'face')
    .sort((a, b) => b.box.x2 - b.box.x1 - (a.box.x2 - a.box.x1))[0];

export async function evalTracks(args: {
  people: TrackPerson[];
  frames: number;
  engine: Engine;
  identity: IdentityModel;
  context: (bank: DonorBank) => SynContext;
  options: AnonymizeOptions;
}): Promise<void> {
  const { engine, identity, options, frames } = args;
  const outcomes: SynOutcome[] = [];
  const ms: number[] = [];
  const matched: string[] = [];
  const within: number[] = [];
  const fromFirst: number[] = [];
  const realWithin: number[] = [];
  let missed = 0;
  /** Per track and frame: C judged by the recognisers, . not judged (tracked), b blurred. */
  const patterns: string[] = [];
  /** The independent judge's distance of replaced output frames to their original. */
  const closest = { checked: Infinity, unchecked: Infinity };
  for (const [n, person] of args.people.entries()) {
    let pattern = '';
    const tracks = new Map<number, TrackMemory>();
    let prevOut: Float32Array | undefined;
    let firstOut: Float32Array | undefined;
    let prevOrig: Float32Array | undefined;
    for (let t = 0; t < frames; t++) {
      const frame = await trackFrame(person, t, frames);
      const det = face(await engine.detect(frame, options));
      if (!det) {
        missed++;
        pattern += '-';
        continue;
      }
      const out = { ...frame, data: frame.data.slice() };
      const started = performance.now();
      const r = await synthesizeFaces(out, [{ ...det, trackId: n }], options, {
        salt: 'eval',
        tracks,
        context: args.context(person.bank),
      });
      ms.push(performance.now() - started);
      outcomes.push(...r.outcomes);
      const o = r.outcomes[0];
      pattern += o?.kind === 'replaced' ? (o.checked ? 'C' : '.') : 'b';
      const box: [number, number, number, number] = [
        det.box.x1,
        det.box.y1,
        det.box.x2,
        det.box.y2,
      ];
      const ref = await identity.describe(frame, box);
      if (!ref) continue;
      const atPlace = await identity.describeAt(out, ref);
      const afresh = (await identity.describe(out, box))?.descriptor;
      const d = Math.min(
        distance(ref.descriptor, atPlace),
        afresh ? distance(ref.descriptor, afresh) : Infinity,
      );
      if (d < SAME_PERSON_DISTANCE) matched.push(`${person.id}@${t} ${d.toFixed(3)}`);
      if (o?.kind === 'replaced') {
        const k = o.checked ? 'checked' : 'unchecked';
        closest[k] = Math.min(closest[k], d);
      }
      if (prevOrig) realWithin.push(distance(prevOrig, ref.descriptor));
      prevOrig = ref.descriptor;
      if (r.outcomes[0]?.kind !== 'replaced') continue;
      const desc = afresh ?? atPlace;
      if (prevOut) within.push(distance(prevOut, desc));
      if (firstOut) fromFirst.push(distance(firstOut, desc));
      prevOut = desc;
      firstOut ??= desc;
    }
    patterns.push(pattern);
    process.stdout.write('t');
  }
  console.log();
  const replaced = outcomes.filter((o) => o.kind === 'replaced');
  const checked = replaced.filter((o) => o.kind === 'replaced' && o.checked).length;
  const blurred = outcomes.length - replaced.length;
  console.log(
    `video tracks (${args.people.length} people x ${frames} frames at ${W}x${H}, neutral then smiling, moving and growing):`,
  );
  console.log(
    `  face-frames: ${outcomes.length} (detector missed ${missed}); replaced ${replaced.length}, blurred ${blurred}, neither 0; recognisers ran on ${checked} of ${replaced.length} replaced frames`,
  );
  console.log(
    `  output frames matching their original frame (face-api < ${SAME_PERSON_DISTANCE}, two views): ${matched.length}${matched.length ? ` ${matched.join(', ')}` : ''}`,
  );
  console.log(
    `  closest replaced output frame to its original (face-api, same two views): judged ${closest.checked.toFixed(3)}, not judged ${closest.unchecked.toFixed(3)}`,
  );
  console.log(`  per track (C judged, . not judged, b blurred): ${patterns.join(' ')}`);
  console.log(
    `  one synthetic person per track: face-api distance between consecutive output frames median ${median(within).toFixed(3)} (max ${Math.max(...within).toFixed(3)}), to the track's first output median ${median(fromFirst).toFixed(3)} (max ${Math.max(...fromFirst).toFixed(3)}); the real person between consecutive frames: median ${median(realWithin).toFixed(3)}`,
  );
  console.log(
    `  ms per face per frame at 1080p (mesh every frame, recognisers when due): median ${median(ms).toFixed(0)}, mean ${(ms.reduce((s, x) => s + x, 0) / Math.max(1, ms.length)).toFixed(0)}`,
  );
}
