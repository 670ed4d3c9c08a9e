/**
 * The plate clips of `eval-video-plates.ts` as two sets, each clip in its own process, a few at
 * a time, with the totals a plate change is judged on: uncovered plate-frames and plate boxes
 * drawn away from every plate ("strays", the precision side).
 * - tuning: 90 px seeds 0-4, 60 px seeds 0-2, 1080p seeds 0-2 (what the plate rules and the
 *   far-plate weights' cut-offs were tuned on);
 * - held-out: 90 px seeds 5-9, 60 px seeds 3-5, 1080p seeds 3-5.
 * The crops of each size are chosen once (seed 0's run) and shared by every clip of that size.
 *
 *   node --import tsx scripts/eval-plate-sets.ts [--set tuning|held-out|both] [--jobs N]
 *        [any other eval-video-plates.ts argument, e.g. --lp-track on, --faces, --set k=v]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const take = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const [value] = argv.splice(i, 2).slice(1);
  return value;
};
const which = take('--set', 'both');
const jobs = Math.max(1, Number(take('--jobs', '4')));
const script = path.join(import.meta.dirname, 'eval-video-plates.ts');

interface Clip {
  name: string;
  args: string[];
}

const sizes: Array<{ name: string; args: string[]; tuning: number[]; heldOut: number[] }> = [
  { name: '90px', args: [], tuning: [0, 1, 2, 3, 4], heldOut: [5, 6, 7, 8, 9] },
  { name: '60px', args: ['--plate-px', '60'], tuning: [0, 1, 2], heldOut: [3, 4, 5] },
  {
    name: '1080p',
    args: ['--width', '1920', '--height', '1080'],
    tuning: [0, 1, 2],
    heldOut: [3, 4, 5],
  },
];

/** One run of eval-video-plates.ts: its output, or an error with its last lines. */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: exit ${code}\n${out}`)),
    );
  });
}

/** Runs `clips` `jobs` at a time; returns their outputs in order. */
async function runAll(clips: Clip[]): Promise<string[]> {
  const outputs: string[] = new Array(clips.length);
  let next = 0;
  const worker = async () => {
    while (next < clips.length) {
      const i = next++;
      outputs[i] = await run(clips[i].args);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, clips.length) }, worker));
  return outputs;
}

/** The result lines of one clip's output: lp_track setting, uncovered, plate-frames, strays. */
function results(output: string) {
  const rows: Array<{ lpTrack: string; uncovered: number; frames: number; strays: number }> = [];
  for (const line of output.split('\n')) {
    const m = /^lp_track (\w+)\s+uncovered (\d+)\/(\d+) .* (\d+) plate boxes away/.exec(line);
    if (m) rows.push({ lpTrack: m[1], uncovered: +m[2], frames: +m[3], strays: +m[4] });
  }
  return rows;
}

const dir = mkdtempSync(path.join(tmpdir(), 'veil-plate-sets-'));
try {
  const sets = which === 'both' ? ['tuning', 'held-out'] : [which];
  if (!sets.every((s) => s === 'tuning' || s === 'held-out')) {
    throw new Error(`--set: tuning, held-out or both, not ${which}`);
  }
  // The crops of each size first (each size's seed 0 run writes its crops file).
  const cropsOf = (name: string) => ['--crops', path.join(dir, `${name}.json`)];
  await runAll(
    sizes.map((s) => ({
      name: s.name,
      args: [...s.args, ...cropsOf(s.name), '--seed', '0', '--lp-track', 'off'],
    })),
  );
  for (const set of sets) {
    const clips: Clip[] = sizes.flatMap((s) =>
      (set === 'tuning' ? s.tuning : s.heldOut).map((seed) => ({
        name: `${s.name} seed ${seed}`,
        args: [...s.args, ...cropsOf(s.name), '--seed', String(seed), ...argv],
      })),
    );
    const outputs = await runAll(clips);
    const totals = new Map<string, { uncovered: number; frames: number; strays: number }>();
    console.log(`${set} clips:`);
    clips.forEach((clip, i) => {
      for (const r of results(outputs[i])) {
        console.log(
          `  ${clip.name.padEnd(15)} lp_track ${r.lpTrack.padEnd(5)} uncovered ` +
            `${r.uncovered}/${r.frames}, strays ${r.strays}`,
        );
        const t = totals.get(r.lpTrack) ?? { uncovered: 0, frames: 0, strays: 0 };
        t.uncovered += r.uncovered;
        t.frames += r.frames;
        t.strays += r.strays;
        totals.set(r.lpTrack, t);
      }
    });
    for (const [lpTrack, t] of totals) {
      console.log(
        `${set} total, lp_track ${lpTrack}: uncovered ${t.uncovered}/${t.frames} plate-frames ` +
          `(${((100 * t.uncovered) / t.frames).toFixed(2)}%), strays ${t.strays}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
