/**
 * The video writer when its muxer fails (here: the output's folder does not exist): `finish`
 * rejects with ffmpeg's reason, and the `abort` that the pipeline's catch calls next leaves the
 * process's other descriptors alone (the encoder's input pipe is closed once; a second close
 * would hit whatever file has reused its number since).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execChild } from '../../../src/media/child.process.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { openVideoWriter } from '../../../src/media/video/video.pipes.ts';
import { probeVideoStreams } from '../../../src/media/video/video.probe.ts';
import { yuvFrameSize } from '../../../src/media/video/yuv.frame.ts';

describe('video writer whose muxer fails', () => {
  let dir: string;
  let clip: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-writer-'));
    clip = path.join(dir, 'in.mp4');
    await execChild(ffmpegPaths().ffmpeg, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'],
      ...['-frames:v', '10', '-pix_fmt', 'yuv420p', clip],
    ]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rejects on finish; the abort after it closes none of the process`s other files', async () => {
    const info = await probeVideoStreams(clip);
    const writer = openVideoWriter({
      input: clip,
      output: path.join(dir, 'no-such-folder', 'out.mp4'),
      container: 'mp4',
      info,
    });
    const size = yuvFrameSize(info.displayWidth, info.displayHeight);
    try {
      for (let k = 0; k < 3; k++) {
        await writer.write({
          data: new Uint8Array(size).fill(16 * k),
          width: info.displayWidth,
          height: info.displayHeight,
        });
      }
    } catch {
      // The muxer may already be gone while frames are written; finish must still reject.
    }
    await assert.rejects(writer.finish());
    // Opened now, these files take the lowest free numbers: the pipe's that the writer closed
    // among them.
    const files = Array.from({ length: 64 }, (_, k) => path.join(dir, `other-${k}.txt`));
    const fds = files.map((f) => fs.openSync(f, 'w'));
    try {
      writer.abort();
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const fd of fds) fs.writeSync(fd, 'still open');
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    for (const f of files) assert.equal(fs.readFileSync(f, 'utf8'), 'still open');
  });
});
