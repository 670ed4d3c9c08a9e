import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { VideoSlots } from '../../../src/worker/video-slots.ts';

/** Runs `n` timed tasks through `slots`; returns the most in flight at once and the order. */
async function load(slots: VideoSlots, n: number) {
  let now = 0;
  let most = 0;
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      slots
        .run(async () => {
          started.push(i);
          most = Math.max(most, ++now);
          await new Promise((r) => setTimeout(r, 20));
          now--;
          if (i === 1) throw new Error('a failing video frees its slot');
        })
        .catch(() => undefined),
    ),
  );
  return { most, started, busy: slots.busy };
}

test('runs at most the slots at once, in arrival order, and frees a slot on failure', async () => {
  assert.deepEqual(await load(new VideoSlots(1), 4), { most: 1, started: [0, 1, 2, 3], busy: 0 });
  assert.equal((await load(new VideoSlots(2), 4)).most, 2);
  assert.equal((await load(new VideoSlots(0), 3)).most, 1, 'at least one');
});

test('VEIL_WORKER_VIDEOS defaults to VEIL_WORKER_CONCURRENCY', () => {
  assert.equal(loadConfig({}).workerVideos, 1);
  assert.equal(loadConfig({ VEIL_WORKER_CONCURRENCY: '3' }).workerVideos, 3);
  assert.equal(
    loadConfig({ VEIL_WORKER_CONCURRENCY: '3', VEIL_WORKER_VIDEOS: '1' }).workerVideos,
    1,
  );
  assert.throws(() => loadConfig({ VEIL_WORKER_VIDEOS: '0' }), /VEIL_WORKER_VIDEOS/);
});
