import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plateSynthFor, synthesizePlatesOnYuv } from '../../../src/media/video/plate.render.ts';
import { yuvFrameSize, type YuvFrame } from '../../../src/media/video/yuv.frame.ts';
import type { Detection } from '../../../src/engine/types.ts';

const grey = (): YuvFrame => ({
  data: new Uint8Array(yuvFrameSize(640, 360)).fill(128),
  width: 640,
  height: 360,
});
const plateAt = (trackId?: number): Detection => ({
  cls: 'plate',
  box: { x1: 200, y1: 150, x2: 400, y2: 195 },
  score: 0.9,
  ...(trackId === undefined ? {} : { trackId }),
});

test('synthetic plates on video: a tracked plate is replaced, one without a track is left to the usual cover', () => {
  const synth = plateSynthFor({ lpSyntonymize: true, enableLp: true }, 'salt')!;
  const tracked = grey();
  assert.deepEqual(synthesizePlatesOnYuv(tracked, [plateAt(3)], synth), []);
  assert.ok(
    tracked.data.some((v) => v !== 128),
    'the synthetic plate is drawn',
  );
  const untracked = grey();
  const face: Detection = { cls: 'face', box: { x1: 10, y1: 10, x2: 60, y2: 60 }, score: 0.9 };
  const rest = synthesizePlatesOnYuv(untracked, [plateAt(), face], synth);
  assert.deepEqual(
    rest.map((d) => d.cls),
    ['plate', 'face'],
  );
  assert.ok(
    untracked.data.every((v) => v === 128),
    'nothing drawn',
  );
});
