/**
 * The video pipeline's second opinion on new faces (`src/media/video/face-check.ts`) on real
 * faces: how many faces would it refuse? The synthetic clips of `eval-video.ts` hold few faces
 * that RetinaFace scores in the checked band, so this reads the crowd photos of eval-data/faces
 * as video frames: RetinaFace as video frames run it (the 960 px detection copy, the 8-bit
 * model, `sequence`), and each detection the pipeline would check (score from the threshold up
 * to the sure score, at least `checkFacePx` long on the copy) shown to the second face model on
 * the crop the check takes (the box grown by half each side, from the full frame). Printed: how
 * many of the checked detections lie on a labelled face, and the share of them, and of the rest,
 * that the second model confirms at several scores (the pipeline's is `CHECK_SCORE`).
 *
 * `--pad P`: the crop grown by P of the box each side instead (the pipeline's 0.5); `--whole`:
 * the second model over the whole frame instead of the crop.
 *
 *   node --import tsx scripts/eval/face-check-real.ts [--scores 0.3,0.4,0.5] [--pad P] [--whole]
 */
import sharp from 'sharp';
import { grownBox, iou, longerSide } from '../../src/engine/box.ts';
import { createEngine } from '../../src/engine/index.ts';
import { cropRgb, fitWithin, resizeRgb } from '../../src/engine/preprocess.ts';
import { defaultAnonymizeOptions, type Box, type RgbFrame } from '../../src/engine/types.ts';
import { CHECK_SCORE } from '../../src/media/video/face-check.ts';
import { evenBox } from '../../src/media/video/yuv.frame.ts';
import { evalDataPath, imagePath, loadEvalSet, type Xyxy } from './dataset.ts';
import { iouXyxy, liesInside } from './metrics.ts';

const argv = process.argv.slice(2);
const at = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const scores = (at('--scores') ?? `0.3,${CHECK_SCORE},0.5`).split(',').map(Number);
/** The pipeline's defaults: detection copy, checked band, smallest checked face, crop pad. */
const DETECT_SIDE = 960;
const SURE = 0.8;
const CHECK_PX = 48;
const CROP_PAD = Number(at('--pad') ?? 0.5);
const SAME_FACE = 0.2;

const xyxy = (b: Box): Xyxy => [b.x1, b.y1, b.x2, b.y2];
const set = loadEvalSet(evalDataPath('faces/annotations.json'));
const engine = await createEngine({ faceModel: 'retinaface+veil' });
/** Best second-model score on each checked detection, by whether it lies on a labelled face. */
const seen: Record<'face' | 'other', number[]> = { face: [], other: [] };
try {
  for (const image of set.images) {
    const { data, info } = await sharp(imagePath(set, image))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame: RgbFrame = { data: new Uint8Array(data), width: info.width, height: info.height };
    const fit = fitWithin(frame.width, frame.height, DETECT_SIDE);
    const copy = resizeRgb(frame, fit.width, fit.height);
    const options = { ...defaultAnonymizeOptions, enableLp: false };
    const found = await engine.detect(copy, options, { sequence: true });
    for (const d of found) {
      if (d.cls !== 'face' || d.score >= SURE || longerSide(d.box) < CHECK_PX) continue;
      const box = {
        x1: d.box.x1 / fit.scale,
        y1: d.box.y1 / fit.scale,
        x2: d.box.x2 / fit.scale,
        y2: d.box.y2 / fit.scale,
      };
      const onFace = image.boxes.some(
        (t) => iouXyxy(xyxy(box), t.box) >= 0.3 || liesInside(xyxy(box), t.box),
      );
      const region = evenBox(grownBox(box, CROP_PAD), frame.width, frame.height);
      const crop = cropRgb(
        frame,
        region.x1,
        region.y1,
        region.x2 - region.x1,
        region.y2 - region.y1,
      );
      const inCrop = {
        x1: box.x1 - region.x1,
        y1: box.y1 - region.y1,
        x2: box.x2 - region.x1,
        y2: box.y2 - region.y1,
      };
      const second = await engine.detect(
        crop,
        { ...options, slicing: false, blurThreshold: Math.min(...scores) },
        { facePart: 1 },
      );
      let best = Math.max(
        0,
        ...second.filter((f) => iou(f.box, inCrop) >= SAME_FACE).map((f) => f.score),
      );
      if (argv.includes('--whole')) {
        const all = await engine.detect(
          frame,
          { ...options, slicing: false, blurThreshold: Math.min(...scores) },
          { facePart: 1 },
        );
        best = Math.max(0, ...all.filter((f) => iou(f.box, box) >= SAME_FACE).map((f) => f.score));
      }
      seen[onFace ? 'face' : 'other'].push(best);
    }
  }
} finally {
  await engine.close();
}
console.log(
  `eval-data/faces (${set.images.length} photos) as video frames: RetinaFace detections the ` +
    `second opinion checks (score ${defaultAnonymizeOptions.blurThreshold}-${SURE}, >= ${CHECK_PX} px ` +
    `on the ${DETECT_SIDE} px copy): ${seen.face.length} on labelled faces, ${seen.other.length} elsewhere`,
);
for (const s of scores) {
  const share = (v: number[]) =>
    v.length ? `${v.filter((x) => x >= s).length}/${v.length}` : '0/0';
  console.log(
    `  confirmed at ${s.toFixed(2)}: labelled faces ${share(seen.face)}, elsewhere ${share(seen.other)}` +
      (s === CHECK_SCORE ? '  (the pipeline)' : ''),
  );
}
