/**
 * Face detector speed on one 1080p photo (a committed group photo cut to 1920x1080, as the
 * benches use), 1 thread, slicing off: Veil's face detector (committed), RetinaFace (npm) and
 * YuNet where its weights are found. Runs are interleaved so the machine's load hits each alike;
 * prints the median ms per photo and the faces found at 0.5.
 *
 *   node --import tsx scripts/train-face/speed.ts [--runs 10]
 */
import { parseArgs } from 'node:util';
import { YunetFaceDetector } from '../../src/engine/face.detector.ts';
import { detectFrame } from '../../src/engine/frame.detector.ts';
import { hasModel, modelPath } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import type { RegionDetector } from '../../src/engine/region.detector.ts';
import { RetinaFaceDetector, retinafaceModel } from '../../src/engine/retinaface.detector.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';
import { VeilFaceDetector } from '../../src/engine/veil-face.detector.ts';
import { synBenchFrame } from '../syn-frame.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const frame = await synBenchFrame();
const retinaface = retinafaceModel();
const detectors: Record<string, RegionDetector> = {
  veil: new VeilFaceDetector(await openSession(modelPath('veilFace'), { threads: 1 })),
  retinaface: new RetinaFaceDetector(
    await openSession(retinaface.bytes, { threads: 1 }),
    undefined,
    retinaface.affine,
  ),
};
if (hasModel('yunet')) {
  detectors.yunet = new YunetFaceDetector(await openSession(modelPath('yunet'), { threads: 1 }));
}
const options = { ...defaultAnonymizeOptions, enableLp: false };
const times: Record<string, number[]> = {};
const found: Record<string, number> = {};
for (let run = -1; run < Number(values.runs); run++) {
  for (const [name, face] of Object.entries(detectors)) {
    const t0 = performance.now();
    const dets = await detectFrame(frame, options, { face });
    const ms = performance.now() - t0;
    if (run < 0) continue; // warm-up
    (times[name] ??= []).push(ms);
    found[name] = dets.length;
  }
}
console.log(`${frame.width}x${frame.height}, ${values.runs} runs each, 1 thread, slicing off`);
for (const [name, t] of Object.entries(times)) {
  const s = [...t].sort((a, b) => a - b);
  console.log(`${name.padEnd(11)} median ${s[s.length >> 1].toFixed(0)} ms, faces ${found[name]}`);
}
for (const d of Object.values(detectors)) await d.close();
