/**
 * The README's examples (examples/curl.sh, python_client.py, typescript-client.ts) run as a user
 * runs them, against one real Veil: each must leave an anonymized copy of the photo in its
 * output folder and delete its job.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { fixturePath, truth } from '../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, type E2E } from './e2e-harness.ts';
import { root, run } from './kit.ts';

const PHOTO = 'astronaut.jpg';

/** curl.sh reads JSON with python3 too; where python3 is missing those two are skipped. */
const hasPython = await run('python3', ['--version']).then(
  () => true,
  () => false,
);

const EXAMPLES: Array<{ name: string; cmd: string; args: string[]; needsPython?: boolean }> = [
  { name: 'curl.sh', cmd: 'bash', args: ['examples/curl.sh'], needsPython: true },
  {
    name: 'python_client.py',
    cmd: 'python3',
    args: ['examples/python_client.py'],
    needsPython: true,
  },
  {
    name: 'typescript-client.ts',
    cmd: process.execPath,
    args: ['--import', 'tsx', 'examples/typescript-client.ts'],
  },
];

describe('client examples, end to end', () => {
  let e: E2E;
  let work: string;

  before(async () => {
    e = await startE2E();
    work = await mkdtemp(path.join(tmpdir(), 'veil-examples-'));
  });
  after(async () => {
    await e.stop();
    await rm(work, { recursive: true, force: true });
  });

  for (const ex of EXAMPLES) {
    const skip = ex.needsPython && !hasPython ? 'python3 is not installed' : false;
    it(
      `${ex.name} uploads, approves, downloads an anonymized photo and deletes the job`,
      { skip },
      async (t) => {
        const photo = fixturePath(PHOTO)!;
        const out = path.join(work, ex.name);
        const { stdout } = await run(ex.cmd, [...ex.args, photo, out], {
          cwd: root,
          env: { ...process.env, VEIL_URL: e.veil.url, VEIL_KEY: e.key },
          timeout: 60_000,
        });
        const jobId = /^job (\S+)/m.exec(stdout)?.[1];
        assert.ok(jobId, `the example names its job:\n${stdout}`);

        assert.deepEqual(await readdir(out), [PHOTO], 'one result, under the input name');
        const output = await readFile(path.join(out, PHOTO));
        const meta = await sharp(output).metadata();
        assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 512, 512]);
        const diff = await compareRegions(
          await readFile(photo),
          output,
          truth(PHOTO).faces.map((f) => f.box),
        );
        t.diagnostic(
          `face diff ${diff.perBox[0].toFixed(1)}; elsewhere ${diff.outside.toFixed(2)}`,
        );
        assert.ok(diff.perBox[0] > 8, `face visibly changed (mean diff ${diff.perBox[0]})`);
        assert.ok(diff.outside < 2.5, `rest nearly untouched (mean diff ${diff.outside})`);

        assert.equal((await e.api(`/get_job_result/${jobId}`)).status, 404, 'job deleted');
        assert.deepEqual(await e.container.list(`jobs/${jobId}/`), [], 'no blob left');
      },
    );
  }
});
