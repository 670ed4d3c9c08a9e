/**
 * GET /metrics on a real Veil with VEIL_METRICS=true, scraped after an image job with a
 * webhook: each family the operations docs promise is there with values from that job.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { AnonymousCredential, BlockBlobClient } from '@azure/storage-blob';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import { startE2E, startHookServer } from './e2e-harness.ts';

/** The value of one sample, by metric name and exact label set text. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('metrics after one job: requests, jobs, queue, processing, detections, webhooks, credits', async () => {
  const [e, hooks] = await Promise.all([startE2E({ metrics: true }), startHookServer()]);
  try {
    const photo = await readFile(fixturePath('group-3-faces.jpg')!);
    const session = await e.createSession('group.jpg', photo.length, {
      content_type: 'image/jpeg',
      model_config: { blur_face: true, enable_lp: true },
    });
    const jobId = session.job_id;
    const cb = encodeURIComponent(hooks.url);
    await e.api(`/notify_on_job_status?job_id=${jobId}&callback_url=${cb}`, { method: 'POST' });
    await new BlockBlobClient(session.session_uri, new AnonymousCredential()).uploadData(photo);
    await e.waitFor(jobId, [2]);
    assert.equal((await e.api(`/approve_job/${jobId}`, { method: 'POST' })).status, 200);
    const done = await e.waitFor(jobId, [5, 6], 45_000);
    assert.equal(done.job_status, 5);
    await hooks.next((h) => h.report.job_id === jobId && h.report.job_status === 5);
    const faces = done.tasks[0]!.faces!;
    assert.ok(faces >= 1);

    // The processing histogram is observed when the queue handler returns, which can be after
    // the job is marked completed and its webhook delivered: scrape until it is there.
    let text = '';
    for (const until = Date.now() + 15_000; ;) {
      const scrape = await fetch(`${e.veil.url}/metrics`); // no API key needed
      assert.equal(scrape.status, 200);
      assert.match(scrape.headers.get('content-type')!, /^text\/plain/);
      text = await scrape.text();
      const seen = sample(
        text,
        'veil_processing_seconds_count',
        '{kind="image",outcome="completed"}',
      );
      if (seen !== undefined || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const polls = sample(
      text,
      'veil_http_requests_total',
      '{method="GET",route="/get_job_result/:job_id",status="200"}',
    );
    assert.ok(polls && polls >= 2, `get_job_result counted by route pattern (${polls})`);
    assert.doesNotMatch(text, new RegExp(jobId), 'no per-job label values');
    assert.equal(sample(text, 'veil_jobs', '{status="completed"}'), 1);
    assert.equal(sample(text, 'veil_jobs', '{status="failed"}'), 0);
    assert.equal(sample(text, 'veil_queue_waiting') !== undefined, true);
    assert.ok(sample(text, 'veil_queue_oldest_waiting_seconds')! >= 0);
    assert.equal(
      sample(text, 'veil_processing_seconds_count', '{kind="image",outcome="completed"}'),
      1,
    );
    assert.ok(
      sample(text, 'veil_processing_seconds_sum', '{kind="image",outcome="completed"}')! > 0,
    );
    assert.equal(sample(text, 'veil_detections', '{class="face"}'), faces);
    assert.ok(sample(text, 'veil_webhook_deliveries_total', '{outcome="delivered"}')! >= 2);
    assert.equal(sample(text, 'veil_video_media_seconds_total'), 0, 'an image is no video');
    assert.equal(sample(text, 'veil_credits_charged'), done.job_total_credit_cost);
    assert.ok(done.job_total_credit_cost > 0);
  } finally {
    await e.stop();
    await hooks.close();
  }
});
