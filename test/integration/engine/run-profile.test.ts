/**
 * The opt-in profile of model runs (`VEIL_PROFILE_RUNS`, `src/engine/run-profile.ts`): a real
 * session run in a child process with the variable set writes one line per run with the
 * thread's CPU time, and `readRunProfile` groups such lines by model and input shape.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readRunProfile } from '../../../src/engine/run-profile.ts';

describe('model run profile', () => {
  it('logs each run of a real session with its shape and CPU ms; off without the variable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-runs-'));
    const file = path.join(dir, 'runs.txt');
    const script = [
      "import { openSession } from './src/engine/onnx.runtime.ts';",
      "import { modelPath } from './src/engine/models.ts';",
      "const s = await openSession(modelPath('veilPlate'));",
      // Runs of ~10-40 ms: the kernel advances a running thread's clock at scheduler ticks
      // (1-4 ms), so a run much shorter than a tick may read 0.
      'for (const side of [640, 640, 960])',
      '  await s.run({ data: new Float32Array(3 * side * side), dims: [1, 3, side, side] });',
      'await s.close();',
    ].join('\n');
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env,
        stdio: 'pipe',
      });
    try {
      run({ ...process.env, VEIL_PROFILE_RUNS: file });
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(lines.length, 3);
      assert.match(lines[0], /^3 1x3x640x640 \d+\.\d{3}$/);
      const groups = readRunProfile(file);
      assert.deepEqual(groups.map((g) => [g.key, g.runs]).sort(), [
        ['3 outputs, 1x3x640x640', 2],
        ['3 outputs, 1x3x960x960', 1],
      ]);
      assert.ok(groups.every((g) => g.cpuMs > 0));
      fs.rmSync(file);
      const { VEIL_PROFILE_RUNS: _, ...off } = process.env;
      run(off);
      assert.equal(fs.existsSync(file), false);
      assert.deepEqual(readRunProfile(file), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
