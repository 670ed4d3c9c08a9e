import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool, splitFrames } from '../../../src/media/video/video.pipes.ts';

async function* chunks(parts: number[][]) {
  for (const p of parts) yield Buffer.from(p);
}

test('splits a byte stream into whole frames across chunk edges, dropping a partial tail', async () => {
  const frames: number[][] = [];
  for await (const f of splitFrames(
    chunks([
      [1, 2],
      [3, 4, 5, 6, 7],
      [8, 9],
    ]),
    4,
  )) {
    frames.push([...f]);
  }
  assert.deepEqual(frames, [
    [1, 2, 3, 4],
    [5, 6, 7, 8],
  ]);
});

test('reuses buffers given back to the pool', async () => {
  const pool = new FramePool(2);
  const seen = new Set<Uint8Array>();
  for await (const f of splitFrames(chunks([[1, 2, 3, 4, 5, 6, 7, 8]]), 2, pool)) {
    seen.add(f);
    pool.give(f);
  }
  // One buffer in flight at a time: at most two distinct buffers (the one being filled).
  assert.ok(seen.size <= 2, `distinct buffers ${seen.size}`);
  pool.give(Buffer.alloc(3));
  assert.equal(pool.take().length, 2, 'a wrong-size buffer is not pooled');
});
