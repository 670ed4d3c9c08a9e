import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mergeSlices,
  planSlicing,
  planTiles,
  tileStarts,
  tileThreshold,
  touchesSeam,
} from '../../../src/engine/tiling.ts';
import type { Detection } from '../../../src/engine/types.ts';

const face = (x1: number, y1: number, x2: number, y2: number, score: number): Detection => ({
  cls: 'face',
  box: { x1, y1, x2, y2 },
  score,
});

describe('tiling', () => {
  const starts: Array<[number, number, number, number[]]> = [
    [500, 960, 100, [0]],
    [960, 960, 100, [0]],
    [1000, 960, 100, [0, 40]],
    [3840, 960, 192, [0, 720, 1440, 2160, 2880]],
  ];
  for (const [length, size, overlap, expected] of starts) {
    it(`covers ${length} px with ${size} px windows overlapping >= ${overlap}`, () => {
      const sut = tileStarts(length, size, overlap);
      assert.deepEqual(sut, expected);
      assert.equal(
        sut[sut.length - 1] + Math.min(size, length),
        length,
        'last window ends on the border',
      );
      for (let i = 1; i < sut.length; i++)
        assert.ok(sut[i - 1] + size - sut[i] >= overlap, 'overlap kept');
    });
  }

  it('plans a grid that covers every pixel', () => {
    const tiles = planTiles(2000, 1500, 960, 128);
    assert.equal(tiles.length, 6);
    for (const [x, y] of [
      [0, 0],
      [1999, 1499],
      [1000, 700],
    ]) {
      assert.ok(tiles.some((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height));
    }
  });

  it('adds no tiles when the full pass is near native resolution', () => {
    assert.equal(
      planSlicing(1280, 720, { fullScale: 0.75, tileSide: 960, reliablePx: 16, maxTiles: 64 }).tiles
        .length,
      0,
    );
  });

  it('tiles a 4K frame at native resolution, with room for objects the full pass misses', () => {
    const sut = planSlicing(3840, 2160, {
      fullScale: 0.25,
      tileSide: 960,
      reliablePx: 16,
      maxTiles: 64,
    });
    assert.equal(sut.tileScale, 1);
    assert.equal(sut.maxObjectPx, 128);
    assert.ok(sut.tiles.length >= 12 && sut.tiles.length <= 20, `${sut.tiles.length} tiles`);
  });

  it('downscales tiles of a huge panorama to stay within the tile budget', () => {
    const sut = planSlicing(12000, 8000, {
      fullScale: 0.08,
      tileSide: 960,
      reliablePx: 16,
      maxTiles: 64,
    });
    assert.ok(sut.tiles.length <= 64);
    assert.ok(sut.tileScale < 1);
  });

  it('raises the threshold on tiles but keeps it within 0..1', () => {
    assert.ok(Math.abs(tileThreshold(0.5) - 0.6) < 1e-9);
    assert.ok(tileThreshold(0.9) > 0.9 && tileThreshold(0.9) < 1);
    assert.equal(tileThreshold(1), 1);
  });

  const tile = { x: 100, y: 100, width: 200, height: 200 };
  const seamCases: Array<[string, number, number, number, number, boolean]> = [
    ['inside the tile', 150, 150, 180, 180, false],
    ['on the left seam', 101, 150, 130, 180, true],
    ['on the bottom seam', 150, 250, 180, 299, true],
    ['on the frame border (no seam)', 150, 150, 180, 180, false],
  ];
  for (const [name, x1, y1, x2, y2, expected] of seamCases) {
    it(`seam test: box ${name}`, () => {
      assert.equal(touchesSeam({ x1, y1, x2, y2 }, tile, 1000, 1000), expected);
    });
  }
  it('treats tile sides on the frame border as no seam', () => {
    assert.equal(
      touchesSeam(
        { x1: 0, y1: 0, x2: 10, y2: 10 },
        { x: 0, y: 0, width: 100, height: 100 },
        100,
        100,
      ),
      false,
    );
  });

  describe('merging tiles with the full pass', () => {
    const plan = { tileScale: 1, maxObjectPx: 100, tiles: [] };
    const o = { width: 2000, height: 2000, threshold: 0.5, nmsIou: 0.3 };
    const tileA = { x: 0, y: 0, width: 1000, height: 1000 };
    const tileB = { x: 900, y: 0, width: 1000, height: 1000 };

    it('adds a small face only a tile found, in frame pixels', () => {
      const sut = mergeSlices(
        [],
        plan,
        [{ tile: tileB, detections: [face(10, 20, 30, 44, 0.8)] }],
        o,
      );
      assert.deepEqual(
        sut.map((d) => d.box),
        [{ x1: 910, y1: 20, x2: 930, y2: 44 }],
      );
    });

    it('keeps one face when the full pass and two overlapping tiles all see it', () => {
      const sut = mergeSlices(
        [face(940, 100, 980, 150, 0.7)],
        plan,
        [
          { tile: tileA, detections: [face(941, 101, 979, 149, 0.9)] },
          { tile: tileB, detections: [face(41, 101, 79, 151, 0.85)] },
        ],
        o,
      );
      assert.equal(sut.length, 1);
      assert.equal(sut[0].score, 0.9);
    });

    it('drops a face cut by a seam: the neighbour tile holds it whole', () => {
      const sut = mergeSlices(
        [],
        plan,
        [
          { tile: tileA, detections: [face(985, 100, 1000, 140, 0.95)] },
          { tile: tileB, detections: [face(80, 100, 120, 140, 0.9)] },
        ],
        o,
      );
      assert.deepEqual(
        sut.map((d) => d.box.x1),
        [980],
      );
    });

    const dropped: Array<[string, Detection]> = [
      ['below the raised tile threshold', face(10, 10, 30, 30, 0.55)],
      ['larger than the tile pass is trusted for', face(10, 10, 300, 300, 0.99)],
    ];
    for (const [name, d] of dropped) {
      it(`drops a tile detection ${name}`, () => {
        assert.equal(mergeSlices([], plan, [{ tile: tileA, detections: [d] }], o).length, 0);
      });
    }

    it('filters full-pass detections by the plain threshold', () => {
      const sut = mergeSlices(
        [face(0, 0, 50, 50, 0.55), face(500, 500, 550, 550, 0.45)],
        plan,
        [],
        o,
      );
      assert.equal(sut.length, 1);
    });
  });
});
