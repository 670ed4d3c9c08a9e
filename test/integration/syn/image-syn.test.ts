/** The image pipeline with `model: 'syn'`: a real photo in, its face replaced, plates untouched by syn. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { coverDetections, synAvailable } from '../../../src/engine/syn/index.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { anonymizeImage } from '../../../src/media/image/image.pipeline.ts';
import { closeSharedEngine } from '../../../src/media/image/shared-engine.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';

after(() => closeSharedEngine());

async function rgb(file: string) {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width };
}

/** Mean absolute difference of two same-size RGB images inside a box. */
function diffIn(
  a: Buffer,
  b: Buffer,
  width: number,
  box: { x1: number; y1: number; x2: number; y2: number },
) {
  let sum = 0;
  let n = 0;
  for (let y = Math.round(box.y1); y < box.y2; y++)
    for (let x = Math.round(box.x1); x < box.x2; x++)
      for (let c = 0; c < 3; c++) {
        sum += Math.abs(a[(y * width + x) * 3 + c] - b[(y * width + x) * 3 + c]);
        n++;
      }
  return sum / n;
}

test(
  'anonymizeImage with model syn replaces the face and writes the same format',
  { skip: !synAvailable() && 'syn donor bank not installed' },
  async () => {
    const input = fixturePath('astronaut.jpg');
    assert.ok(input, 'fixture astronaut.jpg');
    const dir = await mkdtemp(path.join(tmpdir(), 'veil-syn-'));
    try {
      const output = path.join(dir, 'astronaut.jpg');
      const result = await anonymizeImage(input, output, {
        ...defaultAnonymizeOptions,
        model: 'syn',
      });
      assert.equal(result.summary.faces, 1);
      assert.equal((await sharp(output).metadata()).format, 'jpeg');
      const [a, b] = await Promise.all([rgb(input), rgb(output)]);
      const face = truth('astronaut.jpg').faces[0].box;
      assert.ok(diffIn(a.data, b.data, a.width, face) > 8, 'the face changed');
      // Far from the face (the flag at the top left) only JPEG re-encoding differs.
      assert.ok(diffIn(a.data, b.data, a.width, { x1: 0, y1: 0, x2: 100, y2: 100 }) < 4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('without a donor bank, syn blurs every face and says so', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'veil-no-donors-'));
  const width = 200;
  const height = 200;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251; // detail for blur to remove
  const before = data.slice();
  const face = { cls: 'face' as const, box: { x1: 60, y1: 50, x2: 140, y2: 150 }, score: 0.9 };
  const options = { ...defaultAnonymizeOptions, model: 'syn' as const };
  const sut = await coverDetections({ data, width, height }, [face], options, {
    donorDirs: [empty],
  });
  assert.deepEqual(
    { replaced: sut?.replaced, blurred: sut?.blurred, reason: sut?.outcomes[0]?.kind },
    { replaced: 0, blurred: 1, reason: 'blurred' },
  );
  let changed = 0;
  for (let y = 80; y < 120; y++)
    for (let x = 80; x < 120; x++)
      if (data[(y * width + x) * 3] !== before[(y * width + x) * 3]) changed++;
  assert.ok(changed > 1200, `face centre changed in ${changed} of 1600 pixels`);
  assert.equal(data[0], before[0], 'a corner far from the face is untouched');
  await rm(empty, { recursive: true, force: true });
});
