import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaceMeshRuntime } from '../../../src/engine/syn/human.runtime.ts';
import {
  JUDGE_LIMITS,
  judgeOutput,
  rejudge,
  similarityBound,
  type OriginalIdentity,
} from '../../../src/engine/syn/identity.judge.ts';
import type { RgbFrame } from '../../../src/engine/types.ts';

/**
 * A stand-in for Human: each image holds one face (or none) whose one-number descriptor is
 * its similarity to the original's descriptor [1]; `calls` counts the passes.
 */
function fakeRuntime(faces: Map<RgbFrame, number | null>) {
  const runtime = {
    calls: 0,
    async analyze(img: RgbFrame) {
      runtime.calls++;
      const s = faces.get(img);
      if (s === null || s === undefined) return [];
      const side = img.width;
      return [{ box: [side / 4, side / 4, side / 2, side / 2], embedding: [s] }];
    },
    similarity: (a: number[], b: number[]) => (a[0] === 1 ? b[0] : a[0] === 2 ? b[0] + 0.2 : 0),
  };
  return runtime;
}

const image = (): RgbFrame => ({ data: new Uint8Array(12), width: 2, height: 2 });

function original(wide = [[1]]): OriginalIdentity & { wideDescribed: number } {
  const o: OriginalIdentity & { wideDescribed: number } = {
    faceres: [[1]],
    faceApi: null,
    earlierFaceApi: [],
    wideDescribed: 0,
    describeWide: async () => {
      o.wideDescribed++;
      o.faceresWide = wide;
    },
  };
  return o;
}

test('the wide view is judged only once the crop view reaches wideFrom', async () => {
  const out = image();
  const wide = image();
  for (const [crop, wideSim, judged, pass] of [
    [JUDGE_LIMITS.wideFrom - 0.01, 0.3, false, true],
    [JUDGE_LIMITS.wideFrom, 0.3, true, true],
    [0.3, JUDGE_LIMITS.passSimilarity, true, false],
  ] as const) {
    const rt = fakeRuntime(
      new Map([
        [out, crop],
        [wide, wideSim],
      ]),
    );
    const o = original();
    const v = await judgeOutput(rt as unknown as FaceMeshRuntime, undefined, out, o, { wide });
    assert.equal(rt.calls, judged ? 2 : 1, `crop ${crop}`);
    assert.equal(o.wideDescribed, judged ? 1 : 0, 'the original wide view is described on need');
    assert.equal(v.seen.wideSkipped === true, !judged);
    assert.equal(v.pass, pass);
  }
});

test('no face in the crop view: the wide view is judged whatever the similarity', async () => {
  const out = image();
  const wide = image();
  const rt = fakeRuntime(
    new Map([
      [out, null],
      [wide, 0.42],
    ]),
  );
  const v = await judgeOutput(rt as unknown as FaceMeshRuntime, undefined, out, original(), {
    wide: () => wide,
  });
  assert.equal(rt.calls, 2);
  assert.equal(v.pass, false);
  assert.equal(v.similarity, 0.42);
});

test('skipWide: false judges the wide view below wideFrom too', async () => {
  const out = image();
  const wide = image();
  const rt = fakeRuntime(
    new Map([
      [out, 0.1],
      [wide, 0.41],
    ]),
  );
  const v = await judgeOutput(rt as unknown as FaceMeshRuntime, undefined, out, original(), {
    wide,
    skipWide: false,
  });
  assert.equal(rt.calls, 2);
  assert.equal(v.pass, false);
});

test('rejudge fails an output whose skipped wide view another original makes due', async () => {
  const out = image();
  const wide = image();
  const rt = fakeRuntime(
    new Map([
      [out, 0.1],
      [wide, 0.1],
    ]),
  );
  const first = await judgeOutput(rt as unknown as FaceMeshRuntime, undefined, out, original(), {
    wide,
  });
  assert.equal(first.pass, true);
  assert.equal(first.seen.wideSkipped, true);
  // Another description of the original ([2]: similarity +0.2) lifts the crop view to 0.3.
  const again = rejudge(rt as unknown as FaceMeshRuntime, first.seen, {
    ...original(),
    faceres: [[2]],
  });
  assert.equal(again.pass, false);
  assert.ok(Math.abs(again.similarity - 0.3) < 1e-9);
});

test('a track keeps a skipped wide view at the crop view plus wideGap', async () => {
  const out = image();
  const wide = image();
  const rt = fakeRuntime(
    new Map([
      [out, 0.2],
      [wide, 0.1],
    ]),
  );
  const skipped = await judgeOutput(rt as unknown as FaceMeshRuntime, undefined, out, original(), {
    wide,
  });
  assert.ok(Math.abs(similarityBound(skipped) - (0.2 + JUDGE_LIMITS.wideGap)) < 1e-9);
  const judged = await judgeOutput(rt as unknown as FaceMeshRuntime, undefined, out, original(), {
    wide,
    skipWide: false,
  });
  assert.equal(similarityBound(judged), 0.2);
});
