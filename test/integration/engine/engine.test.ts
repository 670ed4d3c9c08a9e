/** The engine entry: models in worker threads, results equal to in-thread detection. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDetectors } from '../../../src/engine/detectors.factory.ts';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { hasFixture, loadFixture } from '../../fixtures/images/fixtures.ts';

// No skip: without the preferred weights the engine runs the npm-shipped fallbacks.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const options = { ...defaultAnonymizeOptions };

describe('engine', () => {
  let sut: Engine;
  before(async () => {
    sut = await createEngine({ workers: 2 });
  });
  after(() => sut.close());

  it('returns what in-thread detection returns, in frame pixels', async () => {
    const frame = await loadFixture('group-5-faces.jpg');
    const local = await openDetectors();
    try {
      const expected = await detectFrame(frame, options, local);
      const got = await sut.detect(frame, options);
      assert.equal(got.length, expected.length);
      assert.deepEqual(got, expected);
    } finally {
      await local.face.close();
      await local.plate.close();
    }
  });

  it(
    'serves concurrent calls, more than it has workers, each with its own frame',
    { skip: !hasFixture('closeup-plate-cn.jpg') },
    async () => {
      const faces = await loadFixture('group-3-faces.jpg');
      const plate = await loadFixture('closeup-plate-cn.jpg');
      const results = await Promise.all(
        [faces, plate, faces, plate, faces].map((f) => sut.detect(f, options)),
      );
      const counts = results.map((r) => [
        r.filter((d) => d.cls === 'face').length >= 3,
        r.some((d) => d.cls === 'plate'),
      ]);
      assert.deepEqual(counts, [
        [true, false],
        [false, true],
        [true, false],
        [false, true],
        [true, false],
      ]);
    },
  );

  it('serves concurrent calls on committed photos, each answered for its own frame', async () => {
    const many = await loadFixture('group-5-faces.jpg');
    const one = await loadFixture('astronaut.jpg');
    const alone = [await sut.detect(many, options), await sut.detect(one, options)];
    assert.ok(alone[0].length > alone[1].length, 'the two photos must differ to tell them apart');
    const results = await Promise.all(
      [many, one, many, one, many].map((f) => sut.detect(f, options)),
    );
    results.forEach((r, i) => assert.deepEqual(r, alone[i % 2]));
  });

  it('leaves the caller frame untouched and usable', async () => {
    const frame = await loadFixture('astronaut.jpg');
    const copy = Uint8Array.from(frame.data);
    await sut.detect(frame, options);
    assert.equal(frame.data.byteLength, copy.byteLength);
    assert.deepEqual(frame.data, copy);
  });

  it('rejects a frame whose data does not match its size', async () => {
    await assert.rejects(
      sut.detect({ data: new Uint8Array(10), width: 4, height: 4 }, options),
      RangeError,
    );
  });

  it('answers at once with nothing when both classes are off', async () => {
    const frame = await loadFixture('astronaut.jpg');
    assert.deepEqual(await sut.detect(frame, { ...options, blurFace: false, enableLp: false }), []);
  });

  it('refuses work after close', async () => {
    const engine = await createEngine({ workers: 1 });
    await engine.close();
    await assert.rejects(engine.detect(await loadFixture('astronaut.jpg'), options), /closed/);
  });

  it('starts its workers from a process that registered tsx through its API only (bin/veil.js)', async () => {
    const script = [
      "import { register } from 'tsx/esm/api';",
      'register();',
      "const { createEngine } = await import('./src/engine/index.ts');",
      'const engine = await createEngine();',
      'const frame = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48 };',
      'const opts = { blurFace: true, enableLp: true, blurThreshold: 0.5, lpThreshold: 0.5, slicing: false };',
      'console.log(JSON.stringify(await engine.detect(frame, opts)));',
      'await engine.close();',
    ].join('\n');
    // A file inside the checkout, so that `tsx` and the sources resolve as they do for bin/veil.js.
    await fs.mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
    const dir = await fs.mkdtemp(path.join(repoRoot, '.tmp', 'engine-'));
    try {
      const file = path.join(dir, 'main.mjs');
      await fs.writeFile(file, script.replace('./src/', '../../src/'));
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 30_000,
      });
      assert.equal(stdout.trim(), '[]');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
