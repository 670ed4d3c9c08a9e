import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FAKE_MARKER,
  GLYPH_H,
  GLYPH_STROKE,
  GLYPHS,
  layoutText,
  PLATE_DIGITS,
  PLATE_LETTERS,
  syntheticPlateText,
} from '../../../src/engine/render/plate.glyphs.ts';
import {
  legibleInk,
  measurePlate,
  steadyLook,
  twoMeansSplit,
  type LookMemory,
} from '../../../src/engine/render/plate.look.ts';
import {
  drawPlateCanvas,
  gaussianBlur,
  plateTextFor,
  plateTextLength,
  renderSyntheticPlate,
  synthesizePlates,
} from '../../../src/engine/render/plate.synth.ts';
import {
  canvasToQuad,
  invert,
  plateQuad,
  project,
  quadSize,
  rectify,
} from '../../../src/engine/render/plate.warp.ts';
import {
  defaultAnonymizeOptions,
  type Detection,
  type Point,
  type RgbFrame,
} from '../../../src/engine/types.ts';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} not within ${tol} of ${b}`);

/** A plate canvas drawn by the renderer itself, with known colours and text. */
function knownPlate(opts: { border: boolean; bg?: number[]; ink?: number[]; w?: number }) {
  const w = opts.w ?? 260;
  const h = Math.round((w * 110) / 520);
  const look = {
    background: (opts.bg ?? [240, 235, 40]) as [number, number, number],
    ink: (opts.ink ?? [20, 20, 30]) as [number, number, number],
    border: opts.border,
    textHeight: h * 0.6,
    blurSigma: 0,
    noise: 0,
  };
  return { look, frame: drawPlateCanvas(look, layoutText('KM#4821', w, h, h * 0.6), w, h) };
}

function filled(width: number, height: number, rgb: number[]): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3];
  return { data, width, height };
}

describe('synthetic plate text', () => {
  it('always carries the marker between letters and digits, same key same text', () => {
    for (let n = 3; n <= 9; n++) {
      for (const key of ['track:1', 'track:2', 'plate:0']) {
        const text = syntheticPlateText(key, 'salt', n);
        assert.equal(text, syntheticPlateText(key, 'salt', n));
        assert.equal([...text].length, n);
        const [letters, digits] = text.split(FAKE_MARKER);
        assert.equal(text.split(FAKE_MARKER).length, 2, text);
        assert.ok(
          [...letters].every((c) => PLATE_LETTERS.includes(c)),
          text,
        );
        assert.ok(
          [...digits].every((c) => PLATE_DIGITS.includes(c)),
          text,
        );
        for (const c of text) assert.ok(GLYPHS[c], `glyph for ${c}`);
      }
    }
  });

  it('differs between keys and between salts', () => {
    const texts = new Set(
      Array.from({ length: 50 }, (_, i) => syntheticPlateText(`track:${i}`, 's', 7)),
    );
    assert.ok(texts.size >= 48, `${texts.size} distinct texts of 50`);
    assert.notEqual(syntheticPlateText('track:1', 'a', 7), syntheticPlateText('track:1', 'b', 7));
  });

  it('has about 1.5 characters per plate height of width, 3 to 9', () => {
    assert.equal(plateTextLength(520, 110), 7);
    assert.equal(plateTextLength(440, 140), 5);
    assert.equal(plateTextLength(100, 100), 3);
    assert.equal(plateTextLength(2000, 100), 9);
  });
});

describe('glyph layout', () => {
  it('centres the text at the asked height when it fits', () => {
    const sut = layoutText('KM#4821', 520, 110, 66);
    // The ink is 66 px tall: the glyph grid plus half a stroke above and below.
    close(sut.y2 - sut.y1 + 2 * sut.half, 66, 1e-9, 'text height');
    close((sut.x1 + sut.x2) / 2, 260, 1e-9, 'centre x');
    close((sut.y1 + sut.y2) / 2, 55, 1e-9, 'centre y');
    for (const s of sut.segments) {
      for (const [x, y] of [
        [s.ax, s.ay],
        [s.bx, s.by],
      ]) {
        assert.ok(
          x >= sut.x1 - 1e-9 && x <= sut.x2 + 1e-9 && y >= sut.y1 - 1e-9 && y <= sut.y2 + 1e-9,
        );
      }
    }
  });

  it('shrinks a line that would not fit 92% of the width', () => {
    const sut = layoutText('ABCDEFGHJ', 200, 110, 80);
    assert.ok(sut.x2 - sut.x1 <= 200 * 0.92 + 1e-9);
    assert.ok(sut.y2 - sut.y1 < 80);
    close(
      (sut.y2 - sut.y1) / GLYPH_H,
      sut.half / (GLYPH_STROKE / 2),
      1e-9,
      'stroke follows the grid unit',
    );
  });

  it('refuses characters it has no glyph for', () => {
    assert.throws(() => layoutText('AB-12', 200, 50, 30), RangeError);
  });
});

describe('plate perspective', () => {
  const quad: Point[] = [
    [110, 52],
    [380, 30],
    [372, 118],
    [104, 131],
  ];

  it('maps the canvas corners onto the quad and back', () => {
    const m = canvasToQuad(quad, 300, 80)!;
    const back = invert(m)!;
    const corners: Point[] = [
      [0, 0],
      [300, 0],
      [300, 80],
      [0, 80],
    ];
    corners.forEach(([x, y], i) => {
      const [fx, fy] = project(m, x, y);
      close(fx, quad[i][0], 1e-6, `x of corner ${i}`);
      close(fy, quad[i][1], 1e-6, `y of corner ${i}`);
      const [u, v] = project(back, fx, fy);
      close(u, x, 1e-6, `u of corner ${i}`);
      close(v, y, 1e-6, `v of corner ${i}`);
    });
  });

  it('takes the polygon when it has 4 corners, else the box', () => {
    const box = { x1: 1, y1: 2, x2: 11, y2: 7 };
    assert.deepEqual(plateQuad(box, quad), quad);
    assert.deepEqual(plateQuad(box), [
      [1, 2],
      [11, 2],
      [11, 7],
      [1, 7],
    ]);
    assert.deepEqual(quadSize(plateQuad(box)), { width: 10, height: 5 });
  });

  it('refuses a degenerate quad', () => {
    const line: Point[] = [
      [0, 0],
      [10, 0],
      [20, 0],
      [30, 0],
    ];
    assert.equal(canvasToQuad(line, 10, 5), undefined);
  });

  it('straightens a warped plate back to what was drawn', () => {
    const { frame: plate } = knownPlate({ border: true, w: 200 });
    // The plate pasted into a larger frame through the homography, then read back.
    const big = filled(400, 200, [90, 90, 90]);
    const m = canvasToQuad(quad, plate.width, plate.height)!;
    const inv = invert(m)!;
    for (let y = 0; y < big.height; y++) {
      for (let x = 0; x < big.width; x++) {
        const [u, v] = project(inv, x + 0.5, y + 0.5);
        if (u < 0 || v < 0 || u >= plate.width || v >= plate.height) continue;
        const s = (Math.floor(v) * plate.width + Math.floor(u)) * 3;
        big.data.set(plate.data.subarray(s, s + 3), (y * big.width + x) * 3);
      }
    }
    const back = rectify(big, m, plate.width, plate.height);
    let diff = 0;
    for (let i = 0; i < back.data.length; i++) diff += Math.abs(back.data[i] - plate.data[i]);
    assert.ok(diff / back.data.length < 25, `mean difference ${diff / back.data.length}`);
  });
});

describe('plate look', () => {
  it('splits two luminance clusters between them', () => {
    const values = Float32Array.from([...Array(70).fill(230), ...Array(30).fill(30)]);
    const split = twoMeansSplit(values);
    assert.ok(split > 30 && split < 230, `split ${split}`);
  });

  it('finds background, ink, border and text height of a yellow plate', () => {
    const { frame, look } = knownPlate({ border: true });
    const sut = measurePlate(frame);
    sut.background.forEach((v, c) => close(v, look.background[c], 4, `background ${c}`));
    sut.ink.forEach((v, c) => close(v, look.ink[c], 40, `ink ${c}`));
    assert.equal(sut.border, true);
    close(sut.textHeight, look.textHeight, 4, 'text height');
    assert.ok(sut.blurSigma < 0.8, `sharp plate: sigma ${sut.blurSigma}`);
    assert.ok(sut.noise < 1, `clean plate: noise ${sut.noise}`);
  });

  it('finds the blue band of an EU plate, and none on a plain plate', () => {
    const w = 260;
    const h = 55;
    const look = {
      background: [244, 244, 240] as [number, number, number],
      ink: [17, 17, 17] as [number, number, number],
      band: [31, 63, 159] as [number, number, number],
      border: true,
      textHeight: 33,
      blurSigma: 0,
      noise: 0,
    };
    const eu = drawPlateCanvas(look, layoutText('KM#4821', w, h, 33), w, h);
    const found = measurePlate(eu).band;
    assert.ok(found, 'band found');
    found.forEach((v, c) => close(v, look.band[c], 6, `band ${c}`));
    assert.equal(measurePlate(knownPlate({ border: true }).frame).band, undefined);
  });

  it('finds a light-on-dark plate without a border', () => {
    const { frame } = knownPlate({ border: false, bg: [25, 30, 35], ink: [235, 235, 235] });
    const sut = measurePlate(frame);
    assert.ok(sut.background[0] < 60, `background ${sut.background}`);
    assert.ok(sut.ink[0] > 180, `ink ${sut.ink}`);
    assert.equal(sut.border, false);
  });

  it('measures blur and noise', () => {
    const { frame } = knownPlate({ border: false, w: 300 });
    const f = Float32Array.from(frame.data);
    gaussianBlur(f, frame.width, frame.height, 2);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const noisy = new Uint8Array(f.length);
    for (let i = 0; i < f.length; i += 3) {
      // Uniform noise of sd 6 on luminance.
      const n = rnd() * 6 * Math.sqrt(3);
      for (let c = 0; c < 3; c++)
        noisy[i + c] = Math.max(0, Math.min(255, Math.round(f[i + c] + n)));
    }
    const sut = measurePlate({ ...frame, data: noisy });
    assert.ok(sut.blurSigma > 1 && sut.blurSigma < 3.2, `sigma ${sut.blurSigma} for 2`);
    assert.ok(sut.noise > 3 && sut.noise < 9, `noise ${sut.noise} for 6`);
  });

  it('changes slowly along a track: colours and the text share of the height blend in', () => {
    const memory: LookMemory = {};
    const first = {
      background: [200, 200, 200] as [number, number, number],
      ink: [0, 0, 0] as [number, number, number],
      border: true,
      textHeight: 30,
      blurSigma: 1,
      noise: 2,
    };
    assert.deepEqual(steadyLook(memory, first, 50), first);
    const next = { ...first, background: [100, 100, 100] as typeof first.ink, border: false };
    // The plate grew to 100 px with the text at 70%: 0.8 * 0.6 + 0.2 * 0.7 = 0.62 of 100.
    const sut = steadyLook(memory, { ...next, textHeight: 70 }, 100);
    assert.deepEqual(sut.background, [180, 180, 180]);
    assert.equal(sut.border, true);
    close(sut.textHeight, 62, 1e-9, 'text height');
    assert.equal(memory.look, sut);
  });

  it('gives black or white ink when the measured ink is too close to the background', () => {
    assert.deepEqual(legibleInk([200, 200, 200], [180, 180, 180]), [20, 20, 20]);
    assert.deepEqual(legibleInk([40, 40, 40], [60, 60, 60]), [235, 235, 235]);
    assert.deepEqual(legibleInk([240, 240, 240], [20, 20, 20]), [20, 20, 20]);
  });
});

describe('synthetic plate rendering', () => {
  /** A grey frame with a red-on-white "plate" of vertical strokes (at `phase`) inside `quad`. */
  function scene(quad: Point[], phase = 0): RgbFrame {
    const frame = filled(320, 200, [90, 110, 100]);
    const inv = invert(canvasToQuad(quad, 200, 50)!)!;
    for (let y = 0; y < frame.height; y++) {
      for (let x = 0; x < frame.width; x++) {
        const [u, v] = project(inv, x + 0.5, y + 0.5);
        if (u < 0 || v < 0 || u > 200 || v > 50) continue;
        // Vertical red strokes standing for the original characters.
        const ink = v > 10 && v < 40 && Math.floor((u + phase) / 6) % 3 === 0;
        frame.data.set(ink ? [200, 0, 0] : [245, 245, 245], (y * frame.width + x) * 3);
      }
    }
    return frame;
  }

  for (const [name, quad] of [
    [
      'axis-aligned',
      [
        [60, 70],
        [260, 70],
        [260, 120],
        [60, 120],
      ],
    ],
    [
      'in perspective',
      [
        [50, 80],
        [250, 55],
        [262, 110],
        [58, 138],
      ],
    ],
  ] as Array<[string, Point[]]>) {
    it(`repaints the whole ${name} plate, leaving the rest of the frame alone`, () => {
      // Two plates of the same colours whose original strokes lie in different places.
      const a = scene(quad, 0);
      const b = scene(quad, 9);
      const before = a.data.slice();
      const det: Detection = {
        cls: 'plate',
        box: { x1: 0, y1: 0, x2: 1, y2: 1 },
        score: 1,
        polygon: quad,
      };
      assert.ok(renderSyntheticPlate(a, det, 'KMT#4821'));
      assert.ok(renderSyntheticPlate(b, det, 'KMT#4821'));
      const inv = invert(canvasToQuad(quad, 200, 50)!)!;
      let inside = 0;
      let differ = 0;
      let originalDiffer = 0;
      let ink = 0;
      for (let y = 0; y < a.height; y++) {
        for (let x = 0; x < a.width; x++) {
          const o = (y * a.width + x) * 3;
          const [u, v] = project(inv, x + 0.5, y + 0.5);
          const margin = Math.min(u, 200 - u, v, 50 - v);
          if (margin < -1) {
            assert.deepEqual([...a.data.subarray(o, o + 3)], [...before.subarray(o, o + 3)]);
          } else if (margin > 1) {
            inside++;
            const d = Math.abs(a.data[o + 1] - b.data[o + 1]);
            if (d > 24) differ++;
            if (Math.floor(u / 6) % 3 !== Math.floor((u + 9) / 6) % 3 && v > 11 && v < 39)
              originalDiffer++;
            if (a.data[o + 1] < 100) ink++;
          }
        }
      }
      // The originals differed on a third of the plate; the synthetic plates do not.
      assert.ok(originalDiffer > inside * 0.2, `${originalDiffer} of ${inside}`);
      assert.equal(differ, 0, `pixels still showing the original strokes: ${differ}`);
      assert.ok(ink > inside * 0.05, `synthetic characters drawn: ${ink} of ${inside}`);
    });
  }

  it('draws the same plate for the same key and another for another key', () => {
    const quad: Point[] = [
      [60, 70],
      [260, 70],
      [260, 120],
      [60, 120],
    ];
    const det: Detection = {
      cls: 'plate',
      box: { x1: 60, y1: 70, x2: 260, y2: 120 },
      score: 1,
      polygon: quad,
    };
    const a = scene(quad);
    const b = scene(quad);
    const c = scene(quad);
    renderSyntheticPlate(a, det, plateTextFor(det, 'track:1', 's'));
    renderSyntheticPlate(b, det, plateTextFor(det, 'track:1', 's'));
    renderSyntheticPlate(c, det, plateTextFor(det, 'track:2', 's'));
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, c.data);
  });

  it('leaves plates too small to read, faces, and everything without lp_syntonymize to the usual renderer', () => {
    const frame = filled(100, 60, [128, 128, 128]);
    const tiny: Detection = { cls: 'plate', box: { x1: 10, y1: 10, x2: 22, y2: 14 }, score: 1 };
    const plate: Detection = { cls: 'plate', box: { x1: 10, y1: 20, x2: 90, y2: 40 }, score: 1 };
    const face: Detection = { cls: 'face', box: { x1: 0, y1: 0, x2: 10, y2: 10 }, score: 1 };
    const on = { ...defaultAnonymizeOptions, lpSyntonymize: true };
    assert.deepEqual(synthesizePlates(frame, [tiny, plate, face], on, 's'), [tiny, face]);
    const all = [tiny, plate, face];
    assert.equal(synthesizePlates(frame, all, defaultAnonymizeOptions), all);
    assert.equal(synthesizePlates(frame, all, { ...on, enableLp: false }), all);
  });
});
