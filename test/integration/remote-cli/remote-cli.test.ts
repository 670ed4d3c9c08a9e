/**
 * `veil remote ...` and `veil credits` as a user runs them (the real bin, a child process)
 * against a running Veil, with the server and key from VEIL_URL / VEIL_KEY.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, type E2E } from '../../e2e/e2e-harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// The tests choose the server and key; none leaks in from the shell that runs them.
const { VEIL_URL: _url, VEIL_KEY: _key, ...withoutVeilEnv } = process.env;

function veilCli(args: string[], env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin/veil.js'), ...args],
      { cwd, env: { ...withoutVeilEnv, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('veil remote', () => {
  let e: E2E;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    e = await startE2E();
    dir = await mkdtemp(path.join(tmpdir(), 'veil-remote-'));
    env = { VEIL_URL: e.veil.url, VEIL_KEY: e.key };
  });
  after(async () => {
    await e.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('anonymizes a photo end to end, then status, credits and delete', async (t) => {
    const photo = path.join(dir, 'astronaut.jpg');
    await copyFile(fixturePath('astronaut.jpg')!, photo);
    const run = await veilCli(['remote', 'anonymize', 'astronaut.jpg', '-o', 'out'], env, dir);
    assert.equal(run.code, 0, run.stderr);
    const line = /^astronaut\.jpg -> (\S+): job (\S+), (\d+) credits, (\d+) faces/m.exec(
      run.stdout,
    );
    assert.ok(line, run.stdout);
    const [, written, jobId, credits, faces] = line;
    assert.equal(written, path.join('out', 'astronaut.jpg'));
    assert.equal(credits, '1');
    assert.ok(Number(faces) >= 1);
    assert.match(run.stderr, /astronaut\.jpg: completed/, 'progress stages on stderr');

    const diff = await compareRegions(
      await readFile(photo),
      await readFile(path.join(dir, written)),
      truth('astronaut.jpg').faces.map((f) => f.box),
      24,
    );
    t.diagnostic(`face diff ${diff.perBox[0].toFixed(1)}, elsewhere ${diff.outside.toFixed(2)}`);
    assert.ok(diff.perBox[0] > 4 * diff.outside);

    const status = await veilCli(['remote', 'status', jobId, '--json'], env, dir);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).job_status, 5);

    const bal = await veilCli(['credits'], env, dir);
    assert.equal(bal.code, 0, bal.stderr);
    const before = (await e.api('/credits').then((r) => r.json())) as { balance: number };
    assert.match(bal.stdout, new RegExp(`^balance: ${before.balance}$`, 'm'));
    assert.match(bal.stdout, new RegExp(`charge\\t-1\\t${jobId}`));

    const again = await veilCli(['remote', 'download', jobId, '-o', 'again'], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      await readFile(path.join(dir, 'again', 'astronaut.jpg')),
      await readFile(path.join(dir, written)),
    );

    const upOnly = await veilCli(
      ['remote', 'anonymize', 'astronaut.jpg', '--no-approve'],
      env,
      dir,
    );
    assert.equal(upOnly.code, 0, upOnly.stderr);
    const waiting = /job (\S+) uploaded, not approved/.exec(upOnly.stdout)![1];
    assert.equal((await e.waitFor(waiting, [2])).job_total_credit_cost, 1, 'costed, not approved');

    const del = await veilCli(['remote', 'delete', jobId], env, dir);
    assert.equal(del.code, 0, del.stderr);
    const gone = await veilCli(['remote', 'status', jobId], env, dir);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /not found \(HTTP 404\)/i);
  });

  it('says in words what is wrong: no server, bad key, a bad file among good ones', async () => {
    const noUrl = await veilCli(['credits'], {}, dir);
    assert.notEqual(noUrl.code, 0);
    assert.match(noUrl.stderr, /--url/);

    const badKey = await veilCli(['credits', '--key', 'wrong'], { VEIL_URL: e.veil.url }, dir);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /access_token.*\(HTTP 401\)/);

    await writeFile(path.join(dir, 'broken.png'), Buffer.alloc(3000, 1));
    const mixed = await veilCli(
      ['remote', 'anonymize', 'broken.png', 'astronaut.jpg', '-o', 'mixed', '--no-lp'],
      env,
      dir,
    );
    assert.equal(mixed.code, 1, 'a failed file fails the command');
    assert.match(mixed.stderr, /veil: broken\.png: Job \S+ failed/);
    assert.match(mixed.stdout, /^astronaut\.jpg -> /m, 'the good file still ran');
  });
});
