/**
 * Test-time variants of Veil's plate detector (models/veil-plate) on a plate set: every pass
 * (longest side 320..1280, mirrored or not) is run once per picture on the engine's main-pass
 * copy (longest side at most 960), its plates kept down to raw score 0.15 and cached; then each
 * variant (one pass, passes merged by best score, mean or geometric mean) is scored at several
 * raw cut-offs, as the engine would. See models/README.md ("The second pass").
 *
 *   node --import tsx scripts/eval/veil-plate-sweep.ts [--set plates/annotations.json]
 *        [--passes 320,640,640f,960] [--cuts 0.3,0.4] [--variant 320+640] [--source regex]
 *        [--errors [--errors-pass 640 --errors-cut 0.6]]
 *        [--read --read-passes 320,640 [--dump-reads]]   candidates verified by reading
 *        [--engine --thresholds 0.3,0.5,0.7]              the real engine (plateModel 'veil')
 *
 * `--set` takes a path relative to eval-data/ or any annotations.json of the same format (the
 * held-out set: scripts/train-plate/prepare.py's val split, converted). Cache: --cache
 * (default /tmp/vp-cache); it holds third-party boxes only, never commit it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { modelPath } from '../../src/engine/models.ts';
import { openSession, type ModelSession } from '../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_PLATE_TEXT_RULES,
  judgePlateText,
  type Reading,
} from '../../src/engine/plate-text.rules.ts';
import { openTextLineRecogniser } from '../../src/engine/text-line.recogniser.ts';
import { fitWithin, resizeRgb } from '../../src/engine/preprocess.ts';
import type { RgbFrame } from '../../src/engine/types.ts';
import { evalDataPath, loadEvalSet } from './dataset.ts';
import { matchImage, summarize, type Xyxy } from './metrics.ts';
import { decodeSet, runCases, type EvalCase } from './run-set.ts';
import { createEngine } from '../../src/engine/index.ts';
import { EVAL_PLATE_CONTEXT } from './audit.detections.ts';
import { nms } from '../../src/engine/nms.ts';
import { decodeVeilGrid, runVeilGrid } from '../../src/engine/veil-grid.ts';
import type { Box } from '../../src/engine/types.ts';

interface PassSpec {
  side: number;
  mirror: boolean;
}

interface RawPlate {
  box: Box;
  raw: number;
}

function mirrorRgb(f: RgbFrame): RgbFrame {
  const out = new Uint8Array(f.data.length);
  for (let y = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++) {
      const s = (y * f.width + x) * 3;
      const d = (y * f.width + (f.width - 1 - x)) * 3;
      out[d] = f.data[s];
      out[d + 1] = f.data[s + 1];
      out[d + 2] = f.data[s + 2];
    }
  }
  return { data: out, width: f.width, height: f.height };
}

/** One pass of the model on `image` scaled to longest side `side`: plates in `image` pixels. */
async function runVeilPass(
  session: ModelSession,
  image: RgbFrame,
  spec: PassSpec,
  rawMin: number,
): Promise<RawPlate[]> {
  const run = await runVeilGrid(session, spec.mirror ? mirrorRgb(image) : image, spec.side);
  const found = decodeVeilGrid(run.outputs, run.width, run.height, rawMin, 'plate detector').map(
    ({ box, raw }) => ({ cls: 'plate' as const, box, score: raw }),
  );
  return nms(found, { iou: 0.45, containment: 0.7 }).map((p) => {
    const x1 = p.box.x1 * run.sx;
    const x2 = p.box.x2 * run.sx;
    return {
      box: {
        x1: spec.mirror ? image.width - x2 : x1,
        y1: p.box.y1 * run.sy,
        x2: spec.mirror ? image.width - x1 : x2,
        y2: p.box.y2 * run.sy,
      },
      raw: p.score,
    };
  });
}

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'plates/annotations.json' },
    passes: { type: 'string', default: '640,640f,960' },
    cache: { type: 'string', default: '/tmp/vp-cache' },
    errors: { type: 'boolean', default: false },
    'errors-pass': { type: 'string', default: '640' },
    'errors-cut': { type: 'string', default: '0.6' },
    cuts: { type: 'string', default: '0.3,0.4,0.5,0.6,0.7' },
    variant: { type: 'string', default: '' },
    /** Only pictures whose annotated source matches this regular expression. */
    source: { type: 'string', default: '' },
    /** Run the real engine (plateModel 'veil') at these Veil thresholds instead. */
    engine: { type: 'boolean', default: false },
    thresholds: { type: 'string', default: '0.3,0.5,0.7' },
    read: { type: 'boolean', default: false },
    'read-passes': { type: 'string', default: '640' },
    'dump-reads': { type: 'boolean', default: false },
    'read-mode': { type: 'string', default: 'mean' },
  },
});

const setPath = existsSync(values.set) ? resolve(values.set) : evalDataPath(values.set);
const cacheFile = join(
  values.cache,
  `${basename(dirname(setPath))}-${basename(setPath, '.json')}.passes.json`,
);

interface CachedImage {
  name: string;
  width: number;
  height: number;
  boxes: EvalCase['boxes'];
  /** Pass name -> plates in image pixels with raw scores, and ms spent. */
  passes: Record<string, { plates: RawPlate[]; ms: number }>;
}

function parsePass(name: string): PassSpec {
  return { side: Number.parseInt(name, 10), mirror: name.endsWith('f') };
}

async function collect(): Promise<CachedImage[]> {
  const cached: CachedImage[] = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedImage[])
    : [];
  const wanted = values.passes.split(',').filter(Boolean);
  const byName = new Map(cached.map((c) => [c.name, c]));
  const set = loadEvalSet(setPath);
  const todo = wanted.filter(
    (p) => cached.length < set.images.length || cached.some((c) => !c.passes[p]),
  );
  if (todo.length === 0) return cached;
  const cases = await decodeSet(set);
  const session: ModelSession = await openSession(modelPath('veilPlate'));
  let done = 0;
  const save = (): void => {
    mkdirSync(values.cache, { recursive: true });
    writeFileSync(cacheFile, JSON.stringify([...byName.values()]));
    console.log(`cached ${done} images`);
  };
  try {
    for (const c of cases) {
      const entry = byName.get(c.name) ?? {
        name: c.name,
        width: c.width,
        height: c.height,
        boxes: c.boxes,
        passes: {},
      };
      byName.set(c.name, entry);
      const frame: RgbFrame = { data: c.rgb, width: c.width, height: c.height };
      const fit = fitWithin(c.width, c.height, 960);
      const base = resizeRgb(frame, fit.width, fit.height);
      const sx = c.width / base.width;
      const sy = c.height / base.height;
      for (const p of todo) {
        if (entry.passes[p]) continue;
        const t0 = performance.now();
        const plates = await runVeilPass(session, base, parsePass(p), 0.15);
        const ms = performance.now() - t0;
        entry.passes[p] = {
          plates: plates.map((d) => ({
            box: { x1: d.box.x1 * sx, y1: d.box.y1 * sy, x2: d.box.x2 * sx, y2: d.box.y2 * sy },
            raw: d.raw,
          })),
          ms,
        };
      }
      if (++done % 20 === 0) save();
    }
  } finally {
    await session.close();
  }
  save();
  return [...byName.values()];
}

if (values.engine) {
  // The real engine (createEngine, 1 worker, 1 thread, no slicing) at Veil thresholds.
  const engine = await createEngine({
    plateModel: 'veil',
    plateContext: EVAL_PLATE_CONTEXT,
    workers: 1,
    threads: 1,
  });
  try {
    const all = await decodeSet(loadEvalSet(setPath));
    const cases = all.filter((c) =>
      new RegExp(values.source).test(
        loadEvalSet(setPath).images.find((im) => im.file === c.name)?.source ?? '',
      ),
    );
    for (const threshold of values.thresholds.split(',').map(Number)) {
      const r = await runCases(engine, cases, { cls: 'plate', threshold, slicing: false });
      const s = r.summary;
      console.log(
        `engine veil ${threshold.toFixed(2)}  recall ${s.recall.toFixed(3)} (${s.found}/${s.truth})  precision ${s.precision.toFixed(3)}  FP/img ${s.falsePositivesPerImage.toFixed(2)}  ms ${r.msMean.toFixed(0)} (median ${r.msMedian.toFixed(0)})`,
      );
    }
  } finally {
    await engine.close();
  }
  process.exit(0);
}

const sourceOf = new Map(loadEvalSet(setPath).images.map((im) => [im.file, im.source]));
const images = (await collect()).filter((im) =>
  new RegExp(values.source).test(sourceOf.get(im.name) ?? ''),
);
console.log(`${setPath}: ${images.length} images, cache ${cacheFile}`);
function xyxy(p: RawPlate): Xyxy {
  return [p.box.x1, p.box.y1, p.box.x2, p.box.y2];
}

function truthBox(b: Xyxy): Box {
  return { x1: b[0], y1: b[1], x2: b[2], y2: b[3] };
}

function iouBox(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const i = w * h;
  return i / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - i);
}

/**
 * Several passes merged: 'max' keeps the best box of each group (NMS), 'mean' gives it the
 * mean over passes of each pass's best overlapping score (absent = 0).
 */
function merge(lists: RawPlate[][], mode: 'max' | 'mean' | 'gmean'): RawPlate[] {
  const kept = nms(
    lists.flat().map((p) => ({ ...p, score: p.raw })),
    { iou: 0.45, containment: 0.7 },
  );
  if (mode === 'max') return kept.map((p) => ({ box: p.box, raw: p.raw }));
  return kept.map((p) => {
    let sum = 0;
    let prod = 1;
    for (const l of lists) {
      let best = 0;
      for (const q of l) if (iouBox(q.box, p.box) >= 0.45) best = Math.max(best, q.raw);
      sum += best;
      prod *= Math.max(best, 0.1);
    }
    return { box: p.box, raw: mode === 'gmean' ? prod ** (1 / lists.length) : sum / lists.length };
  });
}

type Pick = (im: CachedImage) => { plates: RawPlate[]; ms: number };

function score(label: string, cuts: number[], pick: Pick): void {
  const picked = images.map((im) => ({ im, ...pick(im) }));
  const ms = picked.reduce((a, p) => a + p.ms, 0) / picked.length;
  for (const cut of cuts) {
    const scored = picked.map((p) => ({
      truth: p.im.boxes,
      match: matchImage(
        p.plates.filter((d) => d.raw >= cut).map((d) => ({ box: xyxy(d), score: d.raw })),
        p.im.boxes,
        0.3,
      ),
    }));
    const s = summarize(scored);
    console.log(
      [
        label.padEnd(26),
        cut.toFixed(2),
        `recall ${s.recall.toFixed(3)} (${s.found}/${s.truth})`.padEnd(22),
        `precision ${s.precision.toFixed(3)}`,
        `FP/img ${s.falsePositivesPerImage.toFixed(2)}`,
        `ms ${ms.toFixed(0)}`,
      ].join('  '),
    );
  }
}

const cuts = values.cuts.split(',').map(Number);
const have = (p: string): boolean => images.every((im) => im.passes[p]);
const passes =
  (names: string[], mode: 'max' | 'mean' | 'gmean'): Pick =>
  (im) => ({
    plates: merge(
      names.map((n) => im.passes[n].plates),
      mode,
    ),
    ms: names.reduce((a, n) => a + im.passes[n].ms, 0),
  });
const variants: Array<[string, Pick, string[]]> = [];
for (const p of ['320', '480', '640', '640f', '800', '960', '1280']) {
  variants.push([p, (im) => im.passes[p], [p]]);
}
for (const group of [
  ['640', '640f'],
  ['320', '640'],
  ['320', '640', '640f'],
  ['320', '480', '640'],
  ['480', '640', '640f'],
  ['640', '800'],
  ['640', '960'],
  ['640', '1280'],
  ['480', '640'],
  ['480', '640', '960'],
  ['640', '640f', '960'],
]) {
  variants.push([`${group.join('+')} max`, passes(group, 'max'), group]);
  variants.push([`${group.join('+')} mean`, passes(group, 'mean'), group]);
  variants.push([`${group.join('+')} gmean`, passes(group, 'gmean'), group]);
}
for (const [label, pick, needs] of variants) {
  if (!needs.every(have)) continue;
  if (values.variant && !label.includes(values.variant)) continue;
  score(label, cuts, pick);
}

if (values.errors) {
  const ref = values['errors-pass'];
  const cut = Number(values['errors-cut']);
  console.log(`\nerrors of pass ${ref} at raw ${cut} (longer side in image px, then model px)`);
  for (const im of images) {
    const plates = im.passes[ref].plates;
    const dets = plates.filter((p) => p.raw >= cut);
    const m = matchImage(
      dets.map((d) => ({ box: xyxy(d), score: d.raw })),
      im.boxes,
      0.3,
    );
    const k = Number.parseInt(ref, 10) / Math.max(im.width, im.height);
    im.boxes.forEach((b, g) => {
      if (b.ignore || m.matched[g]) return;
      const w = b.box[2] - b.box[0];
      const h = b.box[3] - b.box[1];
      let best = 0;
      let bestIou = 0;
      for (const p of plates) {
        const o = iouBox(p.box, truthBox(b.box));
        if (o >= 0.3) best = Math.max(best, p.raw);
        bestIou = Math.max(bestIou, o);
      }
      console.log(
        `MISS ${im.name} ${w.toFixed(0)}x${h.toFixed(0)} ${(Math.max(w, h) * k).toFixed(0)}px best-raw ${best.toFixed(2)} best-IoU ${bestIou.toFixed(2)} box ${b.box.map((v) => v.toFixed(0)).join(',')}`,
      );
    });
    for (const d of dets) {
      if (im.boxes.some((b) => iouBox(d.box, truthBox(b.box)) >= 0.3)) continue;
      const w = d.box.x2 - d.box.x1;
      const h = d.box.y2 - d.box.y1;
      console.log(
        `FP   ${im.name} ${w.toFixed(0)}x${h.toFixed(0)} raw ${d.raw.toFixed(2)} box ${[d.box.x1, d.box.y1, d.box.x2, d.box.y2].map((v) => v.toFixed(0)).join(',')}`,
      );
    }
  }
}

/**
 * Verification by reading: the candidates of one variant between raw `lo` and `hi` are read by
 * the PP-OCRv4 recogniser (readings cached) and kept by rule; those at `hi` and above always.
 */
if (values.read) {
  const group = values['read-passes'].split(',');
  const mode = values['read-mode'] === 'mean' ? 'mean' : 'max';
  const pick = group.length === 1 ? (im: CachedImage) => im.passes[group[0]] : passes(group, mode);
  const readFile = cacheFile.replace('.passes.json', `.reads.json`);
  const reads: Record<string, Reading> = existsSync(readFile)
    ? (JSON.parse(readFileSync(readFile, 'utf8')) as Record<string, Reading>)
    : {};
  const key = (im: CachedImage, p: RawPlate): string =>
    `${im.name}|${[p.box.x1, p.box.y1, p.box.x2, p.box.y2].map((v) => v.toFixed(1)).join(',')}`;
  const lo = 0.25;
  const todo = images.flatMap((im) =>
    pick(im)
      .plates.filter((p) => p.raw >= lo && !reads[key(im, p)])
      .map((p) => [im, p] as const),
  );
  if (todo.length) {
    const cases = new Map((await decodeSet(loadEvalSet(setPath))).map((c) => [c.name, c]));
    const rec = await openTextLineRecogniser();
    const t0 = performance.now();
    for (const [im, p] of todo) {
      const c = cases.get(im.name)!;
      reads[key(im, p)] = await rec.read({ data: c.rgb, width: c.width, height: c.height }, p.box);
    }
    console.log(
      `read ${todo.length} candidates, ${((performance.now() - t0) / todo.length).toFixed(1)} ms each`,
    );
    await rec.close();
    writeFileSync(readFile, JSON.stringify(reads));
  }
  const rules: Array<[string, (r: Reading) => boolean]> = [
    ['not not-plate', (r) => judgePlateText(r) !== 'not-plate'],
    ['plate only', (r) => judgePlateText(r) === 'plate'],
    [
      'not not-plate, conf 0.5',
      (r) => judgePlateText(r, { ...DEFAULT_PLATE_TEXT_RULES, minConfidence: 0.5 }) !== 'not-plate',
    ],
    ['>= 2 chars read', (r) => [...r.text].filter((ch) => /[A-Za-z0-9]/.test(ch)).length >= 2],
  ];
  for (const hi of [0.4, 0.5, 0.6]) {
    for (const [name, keep] of rules) {
      score(
        `${group.join('+')} ${mode} read<${hi} ${name}`,
        cuts.filter((c) => c < hi),
        (im) => {
          const r = pick(im);
          return {
            ms: r.ms,
            plates: r.plates.filter((p) => p.raw >= hi || (p.raw >= lo && keep(reads[key(im, p)]))),
          };
        },
      );
    }
  }
  if (values['dump-reads']) {
    for (const im of images) {
      for (const p of pick(im).plates.filter((q) => q.raw >= lo && q.raw < 0.6)) {
        const hit = im.boxes.some((b) => iouBox(p.box, truthBox(b.box)) >= 0.3);
        const r = reads[key(im, p)];
        const conf = r.probs.length ? r.probs.reduce((a, b) => a + b, 0) / r.probs.length : 0;
        console.log(
          `${hit ? 'TP' : 'FP'} ${p.raw.toFixed(2)} ${judgePlateText(r).padEnd(10)} ${conf.toFixed(2)} "${r.text}" ${im.name}`,
        );
      }
    }
  }
}
