import assert from 'node:assert/strict';
import { it } from 'node:test';
import { joinArgs, segmentOutputName } from '../../src/media/video/segment.join.ts';
import { chunkSeconds, parseChunkList, planSegments } from '../../src/media/video/segment.plan.ts';
import { wantsSegments } from '../../src/worker/split-task.ts';

/** Chunks of the given lengths, one after another from 0. */
const chunks = (...lengths: number[]) => {
  let t = 0;
  return lengths.map((l) => ({ start: t, end: (t += l) }));
};

it('groups chunks into segments of about the wanted length, each warmed by the chunks before it', () => {
  const cases: Array<[string, ReturnType<typeof chunks>, number, number, unknown]> = [
    ['one chunk', chunks(5), 2, 1, [{ seq: 0, warm: [], main: [0] }]],
    [
      'even chunks',
      chunks(1, 1, 1, 1, 1, 1),
      2,
      1,
      [
        { seq: 0, warm: [], main: [0, 1] },
        { seq: 1, warm: [1], main: [2, 3] },
        { seq: 2, warm: [3], main: [4, 5] },
      ],
    ],
    [
      'overlap longer than a chunk takes several',
      chunks(1, 1, 1, 1),
      2,
      1.5,
      [
        { seq: 0, warm: [], main: [0, 1] },
        { seq: 1, warm: [0, 1], main: [2, 3] },
      ],
    ],
    [
      'a short tail joins the segment before',
      chunks(1, 1, 1, 1, 0.5),
      2,
      0,
      [
        { seq: 0, warm: [], main: [0, 1] },
        { seq: 1, warm: [], main: [2, 3, 4] },
      ],
    ],
    [
      'long GOPs: boundaries at the first chunk after each multiple',
      chunks(3, 3, 3),
      2,
      1,
      [
        { seq: 0, warm: [], main: [0] },
        { seq: 1, warm: [0], main: [1] },
        { seq: 2, warm: [1], main: [2] },
      ],
    ],
    ['no chunks', [], 2, 1, []],
  ];
  for (const [name, input, seconds, overlap, expected] of cases) {
    assert.deepEqual(planSegments(input, seconds, overlap), expected, name);
  }
});

it('asks for chunks of the overlap, at most about 2000 of them', () => {
  assert.equal(chunkSeconds(120, 2), 2);
  assert.equal(chunkSeconds(120, 0), 0.5);
  assert.equal(chunkSeconds(36_000, 2), 18);
});

it('reads the segment muxer list', () => {
  assert.deepEqual(parseChunkList('c0.nut,0.000000,2.002000\nc1.nut,2.002000,3.5\n\n'), [
    { name: 'c0.nut', start: 0, end: 2.002 },
    { name: 'c1.nut', start: 2.002, end: 3.5 },
  ]);
});

it('joins with the muxer arguments, the encoder pipe replaced by the concat list', () => {
  const args = joinArgs(['-f', 'concat', '-safe', '0', '-i', 'parts.txt'], {
    container: 'mp4',
    input: 'in.mp4',
    output: 'out.mp4',
    audioCodecs: ['aac'],
    rotation: 90,
  });
  assert.deepEqual(args.slice(4, 12), [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    'parts.txt',
    '-i',
    'in.mp4',
  ]);
  assert.ok(!args.includes('pipe:0'));
  assert.ok(args.includes('rotate=90'));
  assert.equal(segmentOutputName('a.webm', 2), 'segment-2.webm');
  assert.equal(segmentOutputName('a.ts', 0), 'segment-0.mkv');
});

it('splits only long blur videos: synthetic faces or plates keep one identity per track', () => {
  const long = { kind: 'video', duration_seconds: 100 };
  const blur = { syntonymize: false, lpSyntonymize: false };
  assert.equal(wantsSegments(long, 60, blur), true);
  assert.equal(wantsSegments({ kind: 'video', duration_seconds: 80 }, 60, blur), false);
  assert.equal(wantsSegments({ kind: 'image', duration_seconds: null }, 60, blur), false);
  assert.equal(wantsSegments(long, 0, blur), false);
  assert.equal(wantsSegments(long, 60, { ...blur, syntonymize: true }), false);
  assert.equal(wantsSegments(long, 60, { ...blur, lpSyntonymize: true }), false);
});
