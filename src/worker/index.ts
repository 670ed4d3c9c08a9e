/**
 * The worker: registers one handler per queue job name, starts consuming, and runs the
 * upload watcher and housekeeping timers. `stop()` ends all of it and the queue's consumption.
 */
import { closeSharedEngine } from '../media/image/shared-engine.ts';
import { prepareJobHandler } from './prepare-job.handler.ts';
import { joinSegmentsHandler } from './join-segments.handler.ts';
import { processJobHandler } from './process-job.handler.ts';
import { processSegmentHandler } from './process-segment.handler.ts';
import { VideoSlots } from './video-slots.ts';
import type { WorkerDeps } from './worker-deps.ts';

export type { WorkerDeps } from './worker-deps.ts';

export interface RunningWorker {
  /** Stops timers, lets running jobs finish for `graceMs` (default 10 s), then aborts them. */
  stop(graceMs?: number): Promise<void>;
}

export async function startWorker(given: WorkerDeps): Promise<RunningWorker> {
  const { config, queue, services, log } = given;
  const deps = { ...given, videoSlots: given.videoSlots ?? new VideoSlots(config.workerVideos) };
  queue.process('prepare-job', prepareJobHandler(deps), { concurrency: 2 });
  queue.process('process-job', processJobHandler(deps), {
    concurrency: config.workerConcurrency,
  });
  queue.process('process-segment', processSegmentHandler(deps), {
    concurrency: config.workerConcurrency,
  });
  queue.process('join-segments', joinSegmentsHandler(deps), { concurrency: 1 });
  queue.process('deliver-webhook', (p, ctx) => services.webhooks.deliver(p, ctx.signal), {
    concurrency: 4,
  });
  let housekeepingRuns = 0;
  queue.process('housekeeping', async () => {
    // Listing every blob is the costly part: only every 10th run.
    const result = await services.housekeeping.run({ sweep: housekeepingRuns++ % 10 === 0 });
    if (Object.values(result).some((n) => n > 0)) log.info(result, 'housekeeping');
  });
  await queue.start();

  let stopped = false;
  let watcherTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  const pollUploads = () => {
    polling = services.uploads
      .poll()
      .then(() => undefined)
      .catch((err) => log.warn({ err }, 'upload watcher pass failed'))
      .finally(() => {
        if (!stopped) watcherTimer = setTimeout(pollUploads, config.uploadPollMs);
      });
  };
  pollUploads();

  // Several workers may add it; the dedupe id keeps one waiting at a time.
  const scheduleHousekeeping = () =>
    queue
      .add('housekeeping', {}, { dedupeId: 'housekeeping', attempts: 1 })
      .catch((err) => log.warn({ err }, 'could not schedule housekeeping'));
  await scheduleHousekeeping();
  const housekeepingTimer = setInterval(scheduleHousekeeping, deps.housekeepingMs ?? 60_000);

  log.info(
    { concurrency: config.workerConcurrency, videos: deps.videoSlots.size },
    'worker started',
  );
  return {
    async stop(graceMs = 10_000) {
      if (stopped) return;
      stopped = true;
      clearTimeout(watcherTimer);
      clearInterval(housekeepingTimer);
      await polling;
      await queue.close(graceMs);
      await closeSharedEngine();
      log.info({}, 'worker stopped');
    },
  };
}
