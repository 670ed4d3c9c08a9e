import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acquireFramePool,
  FramePool,
  releaseFramePool,
} from '../../../src/media/video/video.pipes.ts';

describe('FramePool', () => {
  it('hands back the buffers given to it, up to its size', () => {
    const pool = new FramePool(16, 1);
    const a = pool.take();
    const b = pool.take();
    assert.notEqual(a, b);
    pool.give(a);
    pool.give(b); // over `max`: dropped
    pool.give(Buffer.alloc(8)); // another size: ignored
    assert.equal(pool.take(), a);
    assert.notEqual(pool.take(), b);
  });
});

describe('shared frame pools', () => {
  it("give the next video of a size the last one's buffers", () => {
    const first = acquireFramePool(1234, 4);
    const frame = first.take();
    first.give(frame);
    releaseFramePool(first);
    const next = acquireFramePool(1234, 2);
    assert.equal(next, first);
    assert.equal(next.max, 4);
    assert.equal(next.take(), frame);
    releaseFramePool(next);
  });

  it('keep sizes apart and serve videos at once', () => {
    const a = acquireFramePool(2000, 4);
    const b = acquireFramePool(3000, 4);
    const c = acquireFramePool(2000, 8);
    assert.notEqual(a, b);
    assert.equal(a, c);
    assert.equal(c.max, 8);
    const x = a.take();
    const y = c.take();
    assert.notEqual(x, y);
    for (const p of [a, b, c]) releaseFramePool(p);
  });
});
