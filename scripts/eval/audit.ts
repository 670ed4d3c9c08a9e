/**
 * The audit of a detector's errors on an evaluation set, shared by `face-audit.ts` and
 * `plate-audit.ts` (method and numbers: eval-data/README.md, "Face audit", "Plate audit"). Every
 * false positive and every miss at a threshold gets a class: geometrically, a false positive on an
 * annotated object that no detection matched is the same object as a miss, its box off (IoU under
 * the strict 0.3); the rest by our visual labels (eval-data/<kind>-audit-labels.json). Strict and
 * audited recall/precision are reported side by side; contact sheets show the items, numbered
 * where they still lack a label.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Xyxy } from './dataset.ts';
import { assign, type AuditDet, type ModelRun } from './audit.detections.ts';
import { writeSheets, type SheetItem } from './audit.sheet.ts';
import { boxArea, bucketOf, intersection, iouXyxy, type SizeBucket } from './metrics.ts';
import type { EvalCase } from './run-set.ts';

export const CACHE = 'eval-data/cache';
export const BOX_OFF = 'found, box off (IoU < 0.3)';
export const UNLABELLED = 'unlabelled';

/** Visual labels: false positives by box (any model), misses by `image#truthIndex`. */
export interface Labels {
  fp: { image: string; box: Xyxy; cls: string }[];
  miss: Record<string, string>;
}

/** What is audited and how its labels read. */
export interface AuditSpec {
  /** 'face' | 'plate': names the label and todo files and the report's nouns. */
  kind: string;
  /** False-positive label keys (as stored in the labels file) and the class each stands for. */
  fpClasses: Record<string, string>;
  /** The key of `fpClasses` for a real object the annotators skipped (an audited hit). */
  real: string;
  /** Miss label values as stored and the class each stands for (a value not listed is itself). */
  missClasses?: Record<string, string>;
  /**
   * Class for a false positive on an annotated object that a detection already matched (a second
   * box on it), decided geometrically; without it such a box goes to the visual labels.
   */
  dupOnMatched?: string;
  buckets: SizeBucket[];
  /** Short image name for tile labels. */
  short: (image: string) => string;
}

/** Where the labels are: a copy in the cache (where labelling is done) wins over the committed one. */
export function labelsPath(kind: string): string {
  const cached = `${CACHE}/${kind}-audit-labels.json`;
  return existsSync(cached) ? cached : `eval-data/${kind}-audit-labels.json`;
}

export function loadLabels(kind: string): Labels {
  const path = labelsPath(kind);
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as Labels)
    : { fp: [], miss: {} };
}

/** A detection on a loosely boxed object: IoU >= 0.1, or at least half of it inside the box. */
export function onObject(det: Xyxy, truth: Xyxy): boolean {
  return iouXyxy(det, truth) >= 0.1 || intersection(det, truth) >= 0.5 * boxArea(det);
}

export const boxSide = (b: Xyxy) => Math.round(Math.max(b[2] - b[0], b[3] - b[1]));

export interface Outcome {
  tp: number;
  fp: number;
  truth: number;
  found: number;
  /** Per size band: truth, found strict, found audited (strict or under a loose box). */
  band: Record<string, [number, number, number]>;
  fpClass: Record<string, number>;
  missClass: Record<string, number>;
  fpItems: { c: EvalCase; d: AuditDet; cls: string }[];
  /** Detections that matched a truth box. */
  hits: AuditDet[];
  missItems: { c: EvalCase; g: number; cls: string }[];
}

export type Keep = (d: AuditDet, ctx: { dets: AuditDet[]; mirrored: AuditDet[] }) => boolean;

export class Audit {
  private loaded?: Labels;

  /** `labels`: given, or read from the labels file on first use. */
  constructor(
    readonly spec: AuditSpec,
    labels?: Labels,
  ) {
    this.loaded = labels;
  }

  /** Read on first use, so labels added (`applyTodoLabels`) before the first evaluation count. */
  get labels(): Labels {
    return (this.loaded ??= loadLabels(this.spec.kind));
  }

  /**
   * Why a false positive is false. On an annotated object that no detection matched: the same
   * object as a miss, its box off. On one already matched (with `dupOnMatched`): a second box.
   * Else the visual label.
   */
  private fpClass(c: EvalCase, d: AuditDet, taken: boolean[]): string {
    const on = c.boxes.flatMap((t, g) => (!t.ignore && onObject(d.box, t.box) ? [g] : []));
    if (on.some((g) => !taken[g])) return BOX_OFF;
    if (this.spec.dupOnMatched && on.length) return this.spec.dupOnMatched;
    const l = this.labels.fp.find((f) => f.image === c.name && iouXyxy(f.box, d.box) >= 0.3);
    return l ? (this.spec.fpClasses[l.cls] ?? l.cls) : UNLABELLED;
  }

  /** `unmatched`: the detections that took no truth box (a matched one is another object's). */
  private missClass(c: EvalCase, g: number, unmatched: AuditDet[]): string {
    if (unmatched.some((d) => onObject(d.box, c.boxes[g].box))) return BOX_OFF;
    const l = this.labels.miss[`${c.name}#${g}`];
    return l === undefined ? UNLABELLED : (this.spec.missClasses?.[l] ?? l);
  }

  evaluate(run: ModelRun, cases: EvalCase[], threshold: number, keep?: Keep): Outcome {
    const o: Outcome = {
      tp: 0,
      fp: 0,
      truth: 0,
      found: 0,
      band: Object.fromEntries(this.spec.buckets.map((b) => [b.name, [0, 0, 0]])),
      fpClass: {},
      missClass: {},
      fpItems: [],
      hits: [],
      missItems: [],
    };
    for (const c of cases) {
      const img = run.images[c.name];
      const above = img.dets.filter((d) => d.score >= threshold);
      const ctx = { dets: above, mirrored: img.mirrored };
      const dets = keep ? above.filter((d) => keep(d, ctx)) : above;
      const { byDet, taken } = assign(dets, c.boxes);
      dets.forEach((d, i) => {
        if (byDet[i] >= 0) {
          o.tp++;
          o.hits.push(d);
        } else if (byDet[i] === -1) {
          o.fp++;
          const cls = this.fpClass(c, d, taken);
          o.fpClass[cls] = (o.fpClass[cls] ?? 0) + 1;
          o.fpItems.push({ c, d, cls });
        }
      });
      c.boxes.forEach((t, g) => {
        if (t.ignore) return;
        const band = o.band[bucketOf(t.box, this.spec.buckets)];
        o.truth++;
        band[0]++;
        if (taken[g]) {
          o.found++;
          band[1]++;
          band[2]++;
        } else {
          const unmatched = dets.filter((_, i) => byDet[i] === -1);
          const cls = this.missClass(c, g, unmatched);
          if (cls === BOX_OFF) band[2]++;
          o.missClass[cls] = (o.missClass[cls] ?? 0) + 1;
          o.missItems.push({ c, g, cls });
        }
      });
    }
    return o;
  }

  /**
   * Strict and audited numbers. Audited: a detection on a loosely boxed object counts for that
   * object (once; further boxes on it stay false), and a real object the annotators skipped counts
   * as a hit (visual labels). Unlabelled items count against the detector.
   */
  numbers(o: Outcome) {
    const real = o.fpClass[this.spec.fpClasses[this.spec.real]] ?? 0;
    const boxOffMiss = o.missClass[BOX_OFF] ?? 0;
    const boxOffFp = o.fpClass[BOX_OFF] ?? 0;
    const dets = o.tp + o.fp;
    return {
      recall: o.found / o.truth,
      precision: o.tp / dets,
      precisionRealAsHits: (o.tp + real) / dets,
      auditedRecall: (o.found + boxOffMiss) / o.truth,
      auditedPrecision: (o.tp + Math.min(boxOffMiss, boxOffFp) + real) / dets,
    };
  }

  /** Report lines for one outcome; with `base`, what the variant costs and drops against it. */
  report(name: string, o: Outcome, base?: Outcome): string {
    const n = this.numbers(o);
    const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1) : '-');
    const bands = (k: 1 | 2) =>
      Object.entries(o.band)
        .filter(([, b]) => b[0])
        .map(([band, b]) => `${band} ${pct(b[k] / b[0])} (${b[0]})`)
        .join(', ');
    const kind = this.spec.kind;
    let line =
      `  ${name.padEnd(16)} recall ${pct(n.recall)} (${o.found}/${o.truth}; ${bands(1)})  ` +
      `precision ${pct(n.precision)} strict, ${pct(n.precisionRealAsHits)} if unannotated ` +
      `real ${kind}s counted as hits  FP ${o.fp}` +
      `\n      audited: recall ${pct(n.auditedRecall)} (${bands(2)}), precision ` +
      `${pct(n.auditedPrecision)}`;
    if (base) {
      const lost = base.found - o.found;
      const dropped = Object.entries(base.fpClass)
        .map(([k, v]) => `${k} ${v - (o.fpClass[k] ?? 0)}`)
        .join(', ');
      const lostLoose = (base.missClass[BOX_OFF] ?? 0) - (o.missClass[BOX_OFF] ?? 0);
      line += `\n      costs ${lost} annotated ${kind}s strict, ${lost + lostLoose} audited; drops FP: ${dropped}`;
    }
    return line;
  }
}

/** A short tag of a class for tile labels: its first word. */
const tagOf = (cls: string) => cls.split(/[ ,/]/)[0];

/**
 * Contact sheets of an audit's items: per model and threshold all false positives and misses
 * (`sheets`), and the unlabelled ones of all of them, each once and numbered (`writeTodo`), with
 * `<kind>-audit-todo.json` listing what each number is, for `applyTodoLabels`.
 */
export class AuditSheets {
  private readonly fpTodo: { image: string; box: Xyxy; item: SheetItem }[] = [];
  private readonly missTodo = new Map<string, SheetItem>();

  constructor(
    private readonly audit: Audit,
    private readonly pathOf: Map<string, string>,
  ) {}

  private item(
    c: EvalCase,
    run: ModelRun,
    threshold: number,
    box: Xyxy,
    label: string,
    lm?: [number, number][],
  ): SheetItem {
    return {
      path: this.pathOf.get(c.name)!,
      imageWidth: c.width,
      imageHeight: c.height,
      box,
      truth: c.boxes.map((b) => b.box),
      dets: run.images[c.name].dets.filter((d) => d.score >= threshold).map((d) => d.box),
      landmarks: lm,
      label,
    };
  }

  /** Sheets of every false positive and miss of `o` as `${prefix}-{fp,miss}-N.png`. */
  async sheets(run: ModelRun, o: Outcome, threshold: number, prefix: string): Promise<string[]> {
    const short = this.audit.spec.short;
    const fps = [...o.fpItems].sort((a, b) => a.cls.localeCompare(b.cls) || b.d.score - a.d.score);
    const fpSheet = fps.map(({ c, d, cls }) => {
      let tag = tagOf(cls);
      if (cls === UNLABELLED) {
        let id = this.fpTodo.findIndex((k) => k.image === c.name && iouXyxy(k.box, d.box) >= 0.3);
        if (id < 0) {
          id = this.fpTodo.length;
          this.fpTodo.push({
            image: c.name,
            box: d.box,
            item: this.item(c, run, threshold, d.box, '', d.landmarks),
          });
        }
        tag = `#${id}`;
      }
      const label = `${tag} ${d.score.toFixed(2)} ${boxSide(d.box)}px`;
      return this.item(c, run, threshold, d.box, label, d.landmarks);
    });
    const misses = [...o.missItems].sort((a, b) => a.cls.localeCompare(b.cls));
    const missSheet = misses.map(({ c, g, cls }) => {
      const key = `${c.name}#${g}`;
      const box = c.boxes[g].box;
      if (cls === UNLABELLED && !this.missTodo.has(key))
        this.missTodo.set(key, this.item(c, run, threshold, box, ''));
      const label = `${short(c.name)}#${g} ${tagOf(cls)} ${boxSide(box)}px`;
      return this.item(c, run, threshold, box, label);
    });
    return [
      ...(await writeSheets(fpSheet, `${prefix}-fp`)),
      ...(await writeSheets(missSheet, `${prefix}-miss`)),
    ];
  }

  /** Numbered sheets of the unlabelled items of all `sheets` calls, and the todo list. */
  async writeTodo(prefix: string): Promise<string[]> {
    const short = this.audit.spec.short;
    const todo = this.fpTodo.map((t, id) => ({ ...t.item, label: `#${id} ${boxSide(t.box)}px` }));
    const missList = [...this.missTodo.entries()].map(([k, it], id) => {
      const [image, g] = k.split('#');
      return { ...it, label: `m${id} ${short(image)}#${g} ${boxSide(it.box)}px` };
    });
    const files = [
      ...(await writeSheets(todo, `${prefix}-fp`)),
      ...(await writeSheets(missList, `${prefix}-miss`)),
    ];
    writeFileSync(
      todoPath(this.audit.spec.kind),
      JSON.stringify({
        fp: this.fpTodo.map((t) => ({ image: t.image, box: t.box })),
        miss: [...this.missTodo.keys()],
      }),
    );
    return files;
  }
}

const todoPath = (kind: string) => `${CACHE}/${kind}-audit-todo.json`;

/**
 * Adds labels given by todo number (`#3=plate`, `m2=small`, as on the todo sheets) to the labels
 * file in the cache (created from the committed one), so a labelling pass reads as a list.
 */
export function applyTodoLabels(kind: string, given: string[]): { fp: number; miss: number } {
  const todo = JSON.parse(readFileSync(todoPath(kind), 'utf8')) as {
    fp: { image: string; box: Xyxy }[];
    miss: string[];
  };
  const labels = loadLabels(kind);
  let fp = 0;
  let miss = 0;
  for (const g of given) {
    const m = /^(#|m)(\d+)=(.+)$/.exec(g.trim());
    if (!m) throw new Error(`label ${g}: expected #N=class or mN=class`);
    const n = Number(m[2]);
    if (m[1] === '#') {
      const t = todo.fp[n];
      if (!t) throw new Error(`no false positive #${n} in the todo list`);
      labels.fp = labels.fp.filter((f) => !(f.image === t.image && iouXyxy(f.box, t.box) >= 0.3));
      labels.fp.push({ image: t.image, box: t.box, cls: m[3] });
      fp++;
    } else {
      const key = todo.miss[n];
      if (!key) throw new Error(`no miss m${n} in the todo list`);
      labels.miss[key] = m[3];
      miss++;
    }
  }
  writeFileSync(`${CACHE}/${kind}-audit-labels.json`, formatLabels(labels));
  return { fp, miss };
}

/** The labels as JSON, one item a line, boxes to 0.1 px (matching is by IoU >= 0.3). */
export function formatLabels(labels: Labels): string {
  const fp = labels.fp.map((f) =>
    JSON.stringify({ ...f, box: f.box.map((v) => Math.round(v * 10) / 10) }),
  );
  const miss = Object.entries(labels.miss).map(
    ([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`,
  );
  return `{\n"fp": [\n${fp.join(',\n')}\n],\n"miss": {\n${miss.join(',\n')}\n}\n}\n`;
}
