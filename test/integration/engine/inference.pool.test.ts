/** The worker pool survives a worker that dies: its frame fails, the next frames are served. */
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { InferencePool } from '../../../src/engine/inference.pool.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { loadFixture } from '../../fixtures/images/fixtures.ts';

// No skip: without the preferred weights the engine runs the npm-shipped fallbacks.

/** The pool's live workers (private state, read only to kill one as a crash would). */
const workersOf = (pool: InferencePool): Worker[] =>
  (pool as unknown as { slots: Array<{ worker: Worker }> }).slots.map((s) => s.worker);

describe('inference pool', () => {
  let sut: InferencePool;
  before(async () => {
    sut = await InferencePool.start(1, { threads: 1 });
  });
  after(() => sut.close());

  it('fails the frame of a worker that dies, then starts a new worker for the next frames', async () => {
    const frame = await loadFixture('group-3-faces.jpg');
    const [first] = workersOf(sut);
    const inFlight = sut.detect(frame, defaultAnonymizeOptions);
    const queued = sut.detect(frame, defaultAnonymizeOptions);
    await first.terminate();
    await assert.rejects(inFlight, /exited/);
    const faces = (await queued).filter((d) => d.cls === 'face');
    assert.ok(faces.length >= 3, `${faces.length} faces after the restart`);
    const [replacement] = workersOf(sut);
    assert.notEqual(replacement, first);
  });
});
