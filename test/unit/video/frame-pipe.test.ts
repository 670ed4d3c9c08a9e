/**
 * Raw frames over the native module's pipes (frame.pipe.ts) with real child processes: whole
 * frames in order, a partial tail dropped, every byte delivered to a reader, EPIPE once the
 * reader is gone, and no pipe end leaking into other children.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { closeFd, rawPipe, readFrames, writeFull } from '../../../src/media/video/frame.pipe.ts';
import { nativeKernels } from '../../../src/native/index.ts';
import { skipWithoutNative } from '../native/native-test.ts';

const skip = skipWithoutNative;

/** A child node process running `code`, with `stdin` / `stdout` as given. */
function node(code: string, stdin: number | 'ignore' | 'pipe', stdout: number | 'pipe') {
  const child = spawn(process.execPath, ['-e', code], { stdio: [stdin, stdout, 'inherit'] });
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, exit };
}

describe('frame pipes', () => {
  it('are real pipes of 1 MiB, ends closed on exec', { skip }, async () => {
    const pipe = rawPipe()!;
    assert.equal(nativeKernels()!.pipeCapacity(pipe.write, 2 ** 20), 2 ** 20);
    // A child given neither end must not hold the write end open: the read sees the end.
    const other = node('setTimeout(() => {}, 20000)', 'ignore', 'pipe');
    await closeFd(pipe.write);
    const frames = readFrames(pipe.read, 4, () => Buffer.alloc(4));
    const first = await Promise.race([
      frames.next().then((r) => (r.done ? 'end' : 'frame')),
      other.exit.then(() => 'child exited'),
    ]);
    assert.equal(first, 'end');
    other.child.kill();
    await other.exit;
    await closeFd(pipe.read);
  });

  it(
    'read whole frames straight into the buffers given, dropping a partial tail',
    { skip },
    async () => {
      const pipe = rawPipe()!;
      const size = 3 * 2 ** 20 + 7; // larger than the pipe: many reads per frame
      // The writer sends frame k filled with byte k, in odd-sized writes, then 100 stray bytes.
      const writer = node(
        `const size = ${size}; const out = [];
       for (let k = 1; k <= 3; k++) out.push(Buffer.alloc(size, k));
       out.push(Buffer.alloc(100, 9));
       const all = Buffer.concat(out);
       let at = 0;
       const step = () => { while (at < all.length) { const n = Math.min(65521, all.length - at);
         if (!process.stdout.write(all.subarray(at, at += n))) return process.stdout.once('drain', step); } };
       step();`,
        'ignore',
        pipe.write,
      );
      await closeFd(pipe.write);
      const given: Buffer[] = [];
      const seen: number[][] = [];
      for await (const f of readFrames(pipe.read, size, () => {
        given.push(Buffer.alloc(size + 5, 0xee));
        return given.at(-1)!;
      })) {
        assert.equal(f, given.at(-1), 'the buffer given is the one filled');
        seen.push([f[0], f[size - 1], f[size]]);
      }
      assert.deepEqual(seen, [
        [1, 1, 0xee],
        [2, 2, 0xee],
        [3, 3, 0xee],
      ]);
      assert.equal(await writer.exit, 0);
      await closeFd(pipe.read);
    },
  );

  it('deliver every byte written to the reader', { skip }, async () => {
    const pipe = rawPipe()!;
    const reader = node(
      `const h = require('crypto').createHash('sha256'); let n = 0;
       process.stdin.on('data', (c) => { h.update(c); n += c.length; });
       process.stdin.on('end', () => process.stdout.write(n + ' ' + h.digest('hex')));`,
      pipe.read,
      'pipe',
    );
    await closeFd(pipe.read);
    let said = '';
    reader.child.stdout!.on('data', (c: Buffer) => (said += c));
    const hash = createHash('sha256');
    let total = 0;
    for (let k = 0; k < 4; k++) {
      const frame = Buffer.alloc(2 ** 21 + 13 * k, 40 + k);
      frame[0] = k;
      hash.update(frame);
      total += frame.length;
      await writeFull(pipe.write, frame);
    }
    await closeFd(pipe.write);
    assert.equal(await reader.exit, 0);
    assert.equal(said, `${total} ${hash.digest('hex')}`);
  });

  it('fail with EPIPE once the reader is gone', { skip }, async () => {
    const pipe = rawPipe()!;
    const reader = node('process.exit(0)', pipe.read, 'pipe');
    await closeFd(pipe.read);
    await reader.exit;
    await assert.rejects(writeFull(pipe.write, Buffer.alloc(2 ** 21)), { code: 'EPIPE' });
    await closeFd(pipe.write);
  });
});
