/**
 * The native module's posix_spawn children (src/native/spawn.c) and `spawnFfmpeg` on top of
 * them, with real processes: exit codes and signals reported once, descriptors mapped as asked,
 * the environment passed, signal dispositions reset, kill refused once a child is reaped, and
 * ffmpeg's own failure message surfacing through both spawn paths.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, readSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { VeilError } from '../../../src/errors.ts';
import { execChild } from '../../../src/media/child.process.ts';
import { spawnFfmpeg } from '../../../src/media/video/ffmpeg.process.ts';
import { rawPipe } from '../../../src/media/video/frame.pipe.ts';
import { nativeKernels } from '../../../src/native/index.ts';
import { skipWithoutNative } from './native-test.ts';

const skip = skipWithoutNative;
const saved = process.env.VEIL_NATIVE_SPAWN;
after(() => {
  if (saved === undefined) delete process.env.VEIL_NATIVE_SPAWN;
  else process.env.VEIL_NATIVE_SPAWN = saved;
});

/** Runs `sh -c script` natively; resolves with how it ended and what it wrote on fd 1. */
function sh(script: string, env: string[] = []) {
  const native = nativeKernels()!;
  const out = rawPipe()!;
  let pid = 0;
  const ended = new Promise<{ code: number | null; signal: number | null }>((resolve) => {
    pid = native.spawn(
      '/bin/sh',
      ['sh', '-c', script],
      env,
      Int32Array.of(-1, out.write, -1),
      (code, signal) => resolve({ code, signal }),
    );
  });
  closeSync(out.write);
  const text = ended.then((how) => {
    const buf = Buffer.alloc(4096);
    const n = readSync(out.read, buf);
    closeSync(out.read);
    return { ...how, text: buf.subarray(0, n).toString() };
  });
  return { pid, text };
}

describe('native spawn', () => {
  it('reports the exit code, maps fd 1, passes the environment', { skip }, async () => {
    const r = await sh('echo "$VEIL_T"; exit 3', ['VEIL_T=hello']).text;
    assert.deepEqual(r, { code: 3, signal: null, text: 'hello\n' });
  });

  it('resets signal dispositions Node changed (SIGPIPE is ignored in Node)', { skip }, async () => {
    // A child that kept SIG_IGN would survive and print "alive".
    const r = await sh('kill -s PIPE $$; echo alive').text;
    assert.equal(r.signal, 13);
    assert.equal(r.text, '');
  });

  it('kills a running child once and refuses after it is reaped', { skip }, async () => {
    const native = nativeKernels()!;
    const run = sh('sleep 30');
    assert.equal(native.kill(run.pid, 9), true);
    const r = await run.text;
    assert.deepEqual([r.code, r.signal], [null, 9]);
    assert.equal(native.kill(run.pid, 9), false);
  });

  it('throws a coded error for a program that is not there', { skip }, () => {
    assert.throws(
      () =>
        nativeKernels()!.spawn(
          '/nonexistent/ffmpeg',
          ['x'],
          [],
          Int32Array.of(-1, -1, -1),
          () => undefined,
        ),
      { code: 'ENOENT' },
    );
  });

  for (const mode of ['posix_spawn', 'node']) {
    it(
      `spawnFfmpeg (${mode}): ffmpeg's last stderr line as CORRUPT_MEDIA, output read`,
      { skip },
      async () => {
        process.env.VEIL_NATIVE_SPAWN = mode === 'node' ? '0' : '1';
        const bad = spawnFfmpeg(['-v', 'error', '-i', '/nonexistent.mp4', '-f', 'null', '-'], {
          role: 'decoder',
        });
        await assert.rejects(bad.done, (err: unknown) => {
          assert.ok(err instanceof VeilError);
          assert.equal(err.code, 'CORRUPT_MEDIA');
          assert.match(err.message, /Video decoder failed: .*No such file or directory/);
          return true;
        });
        const good = spawnFfmpeg(
          [
            '-v',
            'error',
            '-f',
            'lavfi',
            '-i',
            'color=c=red:s=4x2:d=0.04:r=25',
            '-f',
            'rawvideo',
            '-pix_fmt',
            'gray',
            'pipe:1',
          ],
          { role: 'decoder', stdout: 'pipe' },
        );
        const chunks: Buffer[] = [];
        good.stdout!.on('data', (c: Buffer) => chunks.push(c));
        const ended = once(good.stdout!, 'end');
        await good.done;
        await ended;
        assert.equal(Buffer.concat(chunks).length, 8);
      },
    );
  }

  it(
    'execChild returns every byte written before the exit, and rejects with code and stderr',
    { skip },
    async () => {
      process.env.VEIL_NATIVE_SPAWN = '1';
      // 3 MB: more than the pipe holds, the last of it read after the child has exited.
      const { stdout } = await execChild(
        '/bin/sh',
        ['-c', "head -c 3000000 /dev/zero | tr '\\0' a"],
        {
          maxBuffer: 4e6,
        },
      );
      assert.equal(stdout.length, 3_000_000);
      assert.ok(/^a+$/.test(stdout));
      await assert.rejects(execChild('/bin/sh', ['-c', 'echo oops >&2; exit 4']), {
        code: 4,
        stderr: 'oops\n',
      });
    },
  );

  it('spawnFfmpeg: an aborted run rejects as CANCELLED', { skip }, async () => {
    process.env.VEIL_NATIVE_SPAWN = '1';
    const abort = new AbortController();
    const p = spawnFfmpeg(
      ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'color=s=8x8:d=30', '-f', 'null', '-'],
      {
        role: 'encoder',
        signal: abort.signal,
      },
    );
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(p.done, { code: 'CANCELLED' });
  });
});
