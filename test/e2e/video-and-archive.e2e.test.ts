/**
 * A short video (with audio) and a zip of photos through the whole API: cost from what was
 * uploaded, processed by the real engine, outputs keep their format.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { probeVideo } from '../../src/media/ffmpeg.runtime.ts';
import { fixturePath, truth } from '../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, type E2E } from './e2e-harness.ts';
import { curlUpload, frameAt, makeClip } from './kit.ts';

function zipOf(files: Array<[string, Buffer]>): Promise<Buffer<ArrayBuffer>> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of files) zip.addBuffer(data, name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks) as Buffer<ArrayBuffer>));
    zip.outputStream.on('error', reject);
  });
}

function zipEntries(data: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => (names.push(entry.fileName), zip.readEntry()));
      zip.on('end', () => resolve(names.sort()));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('video and archive jobs, end to end', () => {
  let e: E2E;
  let dir: string;

  before(async () => {
    e = await startE2E();
    dir = await mkdtemp(path.join(tmpdir(), 'veil-media-'));
  });
  after(async () => {
    await e.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('anonymizes a 2 s video with audio uploaded with curl; keeps size, rate and audio', async (t) => {
    const clip = await makeClip(path.join(dir, 'clip.mp4'), { seconds: 2, audio: true });
    const { jobId } = await curlUpload(
      e.veil.url,
      e.key,
      clip,
      'clip.mp4?model=blur&lp_track=True',
    );
    const waiting = await e.waitFor(jobId, [2, 6]);
    assert.equal(waiting.job_status, 2, waiting.job_status_description);
    assert.equal(waiting.job_total_credit_cost, 2, 'two started seconds at 1 credit each');
    assert.equal((await e.api(`/approve_job/${jobId}`, { method: 'POST' })).status, 200);

    const done = await e.waitFor(jobId, [5, 6], 50_000);
    assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
    const [task] = done.tasks;
    assert.equal(task.kind, 'video');
    assert.ok(
      Math.abs((task.duration_seconds ?? 0) - 2) < 0.3,
      `duration ${task.duration_seconds}`,
    );
    const out = path.join(dir, 'out.mp4');
    await writeFile(out, Buffer.from(await (await fetch(task.download_link!)).arrayBuffer()));
    const [before, after] = [await probeVideo(clip), await probeVideo(out)];
    assert.deepEqual(
      [after.width, after.height, after.audioStreams],
      [before.width, before.height, 1],
    );
    assert.ok(Math.abs(after.fps - before.fps) < 0.01, `fps ${after.fps}`);
    assert.ok(Math.abs(after.durationSeconds - before.durationSeconds) < 0.3);

    const diff = await compareRegions(
      await frameAt(clip, 1, path.join(dir, 'a.png')),
      await frameAt(out, 1, path.join(dir, 'b.png')),
      truth('astronaut.jpg').faces.map((f) => f.box),
      24,
    );
    t.diagnostic(
      `frame at 1 s: face diff ${diff.perBox[0].toFixed(1)}, elsewhere ${diff.outside.toFixed(2)}`,
    );
    assert.ok(diff.perBox[0] > 8, 'face changed in the video');
    assert.ok(diff.outside < 4, 'rest of the frame close to the original');
  });

  it('anonymizes every photo of a zip and offers each output and one zip of all', async () => {
    const files: Array<[string, Buffer]> = [
      ['astronaut.jpg', await readFile(fixturePath('astronaut.jpg')!)],
      ['group.jpg', await readFile(fixturePath('group-3-faces.jpg')!)],
    ];
    const zip = await zipOf(files);
    const session = await e.createSession('photos.zip', zip.length);
    const put = await fetch(session.session_uri, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: zip,
    });
    assert.equal(put.status, 201);
    const waiting = await e.waitFor(session.job_id, [2, 6]);
    assert.equal(waiting.job_total_credit_cost, 2, waiting.job_status_description);
    assert.equal((await e.api(`/approve_job/${session.job_id}`, { method: 'POST' })).status, 200);
    const done = await e.waitFor(session.job_id, [5, 6], 50_000);
    assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
    assert.deepEqual(done.tasks.map((t) => [t.file_name, t.status]).sort(), [
      ['astronaut.jpg', 'completed'],
      ['group.jpg', 'completed'],
    ]);
    for (const task of done.tasks) {
      const img = Buffer.from(await (await fetch(task.download_link!)).arrayBuffer());
      assert.deepEqual([...img.subarray(0, 3)], [0xff, 0xd8, 0xff], `${task.file_name} is a JPEG`);
    }
    assert.ok(done.archive_download_link, 'one zip of every output');
    const all = Buffer.from(await (await fetch(done.archive_download_link)).arrayBuffer());
    assert.deepEqual(await zipEntries(all), ['astronaut.jpg', 'group.jpg']);
  });
});
