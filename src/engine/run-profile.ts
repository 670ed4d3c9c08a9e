/**
 * Opt-in profile of model runs for speed work (`VEIL_PROFILE_RUNS=<file>`): each run appends
 * one line to the file, "<outputs> <input dims> <CPU ms of the running thread>", so a caller
 * (`npm run bench -- --runs`) can say which pass of which model the inference threads spend
 * their time on. CPU time comes from the kernel's per-thread scheduler clock (Linux); nothing
 * is written where that is unreadable or the variable is unset. The kernel advances a running
 * thread's clock at scheduler ticks (1-4 ms), so one short run may read 0 or a tick too much;
 * the sums over a bench's hundreds of runs are what to read.
 */
import fs from 'node:fs';

const file = process.env.VEIL_PROFILE_RUNS;

/** CPU ms this thread has run so far, or undefined (profiling off or no /proc). */
export function threadCpuMs(): number | undefined {
  if (!file) return undefined;
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Appends one run (started at `since` = threadCpuMs()) to the profile file. */
export function recordRun(outputs: number, dims: readonly number[], since: number): void {
  const now = threadCpuMs();
  if (!file || now === undefined) return;
  fs.appendFileSync(file, `${outputs} ${dims.join('x')} ${(now - since).toFixed(3)}\n`);
}

/** One profile file's runs grouped by model (output count) and input shape. */
export interface RunGroup {
  key: string;
  runs: number;
  cpuMs: number;
}

/** Reads and groups a profile file's lines (largest CPU first). */
export function readRunProfile(path: string): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  const text = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [outputs, dims, ms] = line.split(' ');
    if (!ms) continue;
    const key = `${outputs} outputs, ${dims}`;
    const g = groups.get(key) ?? { key, runs: 0, cpuMs: 0 };
    g.runs++;
    g.cpuMs += Number(ms);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.cpuMs - a.cpuMs);
}
