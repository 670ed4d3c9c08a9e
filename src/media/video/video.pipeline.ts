/**
 * Video anonymization: decode (ffmpeg) -> detect (engine worker thread) -> track -> render
 * regions -> encode + mux with the original audio (ffmpeg). Frames wait in a short buffer
 * before rendering so the tracker can draw boxes back in time (interpolation between detection
 * frames, look-back before a first detection). Detection of the next frames runs in the
 * engine's worker while this thread renders and ffmpeg encodes in its own processes.
 */
import { createEngine, type DetectHints, type Engine } from '../../engine/index.ts';
import { coverShape, renderParams } from '../../engine/render/index.ts';
import { shapeRegion } from '../../engine/render/mask.geometry.ts';
import { lookOf } from '../../engine/appearance.ts';
import { iou, longerSide, unionBox } from '../../engine/box.ts';
import { platesOffFaces } from '../../engine/plate-context.ts';
import { Tracker, type TrackedBox } from '../../engine/tracker.ts';
import type { AnonymizeOptions, Box, Detection, ObjectClass } from '../../engine/types.ts';
import { VeilError } from '../../errors.ts';
import type { AnonymizeFile, AnonymizeFileResult } from '../index.ts';
import {
  copyPlan,
  denseBecause,
  scaleDetections,
  passTurn,
  smallPassGapFor,
  detectionFloors,
  type CadenceTrack,
} from './detection-frame.ts';
import { reducedRgb, reducedRgbBytes, yuvFrameSize, type YuvFrame } from './yuv.frame.ts';
import { SmoothBoxes } from './smooth.boxes.ts';
import { SteadyBoxes } from './steady.boxes.ts';
import { coverOnYuv } from './yuv.render.ts';
import { containerFor, type EncoderSettings } from './ffmpeg-args.ts';
import { FaceCheck } from './face-check.ts';
import { probeVideoStreams } from './video.probe.ts';
import { synthesizeOnYuv, type SynTally } from './syn.render.ts';
import { plateSynthFor, synthesizePlatesOnYuv } from './plate.render.ts';
import {
  acquireFramePool,
  decodeFrames,
  openVideoWriter,
  releaseFramePool,
} from './video.pipes.ts';

export interface VideoPipelineSettings {
  /** Run the detector on every Nth frame; the tracker fills the others (default 2). */
  detectEvery?: number;
  /**
   * Salt of this video's synthetic plate texts (`lp_syn`; default: drawn per video). Fixed only
   * to reproduce one output, as tests do: the text still never derives from the original.
   */
  plateSalt?: string;
  /**
   * Adaptive cadence: every Nth frame instead of `detectEvery` while every tracked object is
   * established, large, slow, inside the frame and no track started or ended lately
   * (`cadenceGap`). Default 3; `detectEvery` or less: off. Off while plates searched but not
   * tracked are around (they are drawn only around their detection frames); with none found
   * for `quietFrames`, on (plates then searched as on quiet footage, `quietSmallGap`).
   */
  sparseEvery?: number;
  /**
   * Longer side (`detectSide` copy px) under which a face track keeps the `detectEvery` cadence
   * (default 48, as measured with `eval-video.ts`).
   */
  sparseFacePx?: number;
  /**
   * Filled in while the video runs: detection frames, those with the small-face passes and
   * those with a plate search, and per reason (`denseBecause`) the detection frames the dense
   * cadence chose.
   */
  stats?: {
    detectionFrames: number;
    smallPassFrames: number;
    /** Detection frames that searched plates. */
    plateSearches?: number;
    /** New faces shown to the second face model, and those it saw no face on. */
    faceChecks?: { checked: number; refused: number };
    dense?: Record<string, number>;
  };
  /**
   * A second opinion on new faces (`face-check.ts`): where the engine runs two face models, a
   * detection that would start a face track, under `sureFaceScore` and at least `checkFacePx`
   * (`detectSide` copy px, default 48) long, is kept only where the second model sees a face on
   * a crop around it. Default on.
   */
  checkFaces?: boolean;
  checkFacePx?: number;
  /** The second model's score that confirms (`FaceCheckRules.checkScore`, default 0.4). */
  checkFaceScore?: number;
  /** Frames a refused spot stays refused (`FaceCheckRules.memoryFrames`, default 0). */
  checkFaceMemory?: number;
  /** Frames a track is held after its last detection (default 12). */
  holdFrames?: number;
  /** Frames covered before an object's first detection (default 8, at least sparseEvery). */
  lookbackFrames?: number;
  /**
   * Longer side (`detectSide` copy px) from which a new face track gets the short look-back
   * (`lookbackFrames`, the cadence's reach) instead of the long one the small-face passes' gaps
   * need (default 96: at 48, two 32-36 px faces of `eval-video --small` first boxed larger lost
   * 18 and 8 face-frames; 0: every track the long one).
   */
  shortLookbackPx?: number;
  /**
   * Frames a new face track stays tentative at most (default: as long as the buffer allows, see
   * `confirmLag`; 0: never): drawn on its own detection frame only until a second detection
   * (`confirmStrongPx`, `sureFaceScore`) confirms it, then back over its look-back (`Tracker`'s
   * `confirmFrames`). One false detection that nothing continues is then one covered frame,
   * not ~47.
   */
  confirmFrames?: number;
  /**
   * Frames held beyond the look-back before drawing (default 6), so that a track with the long
   * look-back can be confirmed within them (the small-face passes run on every detection frame
   * while a small face is tracked: 2-3 detection frames).
   */
  confirmLag?: number;
  /**
   * Longer side (`detectSide` copy px) from which only a detection at the threshold confirms
   * a tentative face track (default `shortLookbackPx`: faces that large are found at full score
   * by every main pass; smaller ones, found mostly by the sparser small-face passes and often
   * weakly, are confirmed by any detection that continues them: on `eval-video --small` a
   * threshold confirmation for all lost up to 146 face-frames of 900). 0: all tracks.
   */
  confirmStrongPx?: number;
  /**
   * Detector score from which a new face track starts confirmed (default 0.8; ByteTrack's
   * higher bar for a new track). A margin: on `eval-video --small` (28 px) real faces first
   * found at 0.83-0.98 were missed by the next two detection frames (dropped, then found again
   * in time); the false starts on face-free footage (`eval-false-covers.ts`) scored 0.50-0.79.
   */
  sureFaceScore?: number;
  /**
   * Where the engine runs two face models (a clone's default), every Nth detection frame runs
   * both, merged as on photos (default 3, from the 3rd detection frame: between the small-face
   * passes' turns on busy footage, so mostly on the 640 px copy; 0: the first alone, as
   * before). The second (its 8-bit model) finds masked and blurred faces RetinaFace misses, and
   * the tracker holds them between its turns: on eval-data/faces as clips
   * (`eval-video-photos.ts`) face-frames left uncovered 14.7% -> 10.2% (float 9.9%; every 6th
   * 11.1%, every one 9.8%), faces lost 64 -> 42.
   */
  bothFacesStride?: number;
  /** Plates are searched on every Nth detection frame (default 2; tracked or not). */
  plateStride?: number;
  /**
   * Passes that only add small faces (RetinaFace's enlarged pass, 2/3 of its time) run on every
   * Nth detection frame (default 3), and on every detection frame while a face track is smaller
   * than `smallFacePx` on the detection copy: a new small face is found within N detection
   * frames (the look-back covers it), a tracked one is looked for as often as before. (Enlarged
   * crops around the small tracks only lost tracks that whole-frame passes kept.)
   */
  smallFaceStride?: number;
  /**
   * Quiet footage: once no face track has been under `quietFacePx` (`detectSide` copy px,
   * default 64) for `quietFrames` frames (default 60; the video's start counts as one), the
   * small-face passes run once per `quietSmallGap` frames (default `smallPassGapFor` the frame
   * size: 36 up to 1080p, down to 12 at 4K; 0: off) instead of every `smallFaceStride`th
   * detection frame (every 6-9 frames), and the look-back covers that gap. A small face that
   * appears then is found at most `quietSmallGap` frames late.
   */
  quietSmallGap?: number;
  /**
   * Where a small-face pass's windows would cover most of the frame (crowds, textured
   * backgrounds: `RegionalPass.maxShare`), the whole frame runs at most once per this many
   * frames (default as `quietSmallGap`; 0: on every turn); the turns in between run windows
   * capped at `RegionalPass.capShare` (tracked small faces first, then the likeliest
   * proposals), and the look-back covers the gap (it holds gap - 1 frames, so a face first
   * found late is covered back to where it came into view). While a face track is under
   * `enlargedFacePx` the whole frame stays allowed on every pass.
   */
  wholeSmallGap?: number;
  quietFrames?: number;
  quietFacePx?: number;
  /**
   * Longer side (`detectSide` copy px) under which a face track keeps the `detectSide` copy on
   * every detection frame (no `coarseSide` copy; default 32, was 48: the same uncovered
   * face-frames on every eval-video clip and seed with RetinaFace and YuNet).
   */
  smallFacePx?: number;
  /**
   * Longer side (`detectSide` copy px) under which a face track also keeps the small-face passes
   * on every detection frame (default 32; at most `smallFacePx`). Faces between the two are left
   * to the main pass at `detectSide` (still on the passes' own turns). Measured with
   * `eval-video.ts --small --small-px 28|40|44|56 --seed 0|1|2` (RetinaFace, every 2nd frame):
   * the same uncovered face-frames as 48 in 11 of 12 clips, fewer in one (4 -> 0); the standard
   * and fast clips at 720p and 1080p unchanged (0). Where faces of 32-48 px stay tracked (the
   * bench's group photo) it saves most enlarged passes: 1080p blur 0.24x -> 0.36x of the plain
   * transcode (npm run bench, RetinaFace).
   */
  enlargedFacePx?: number;
  /** Longer side of the reduced copy the detectors see (default 960). */
  detectSide?: number;
  /**
   * With a face detector whose own small-face pass finds the small faces (all three:
   * `engine.models.faceSmallPass`), the longer side of the copy
   * on detection frames whose small-face passes are off, i.e. no face track is under
   * `smallFacePx` (default 640; `detectSide` or more: always `detectSide`). The faces tracked
   * then are at least 2/3 of `smallFacePx` on it, within what the main pass finds reliably,
   * at under half the pixels (and no resize for Veil's plate detector, whose input is 640 px).
   * The text plate fallback reads plates at 960 px: with it, `detectSide` always.
   */
  coarseSide?: number;
  /**
   * Detection frames the loop keeps in flight before it waits for the oldest (default 3, 2 with
   * plates searched untracked; one more is dispatched while it waits). With two inference
   * workers and 2, a worker often sat idle while the loop waited for the other: the machine was
   * 10-11% idle on the bench's crowd clip, 7% with 3. Over a video's first `lookback` frames it
   * is 2 whatever this says, so that the first tracks hint the detection frames after them (which
   * copy, which small-face windows): from the first frame, 3 lost a small face present there
   * (`eval-video --small --small-px 32 --seed 1`: 0 -> 14 uncovered face-frames;
   * src/media/video/README.md).
   */
  inflight?: number;
  /** Weak face detections down to this share of `blur_threshold` continue tracks (default 0.6). */
  weakFactor?: number;
  /**
   * Weak plate detections down to this share of `lp_threshold` (default 0.4; 0.2 at the API's
   * 0.5) continue plate tracks, and without `lp_track` keep a plate drawn where one was drawn on
   * the previous detection frame (`detectionFloors`).
   */
  plateWeak?: number;
  /** Tracking off: every detection drawn only on its own frame (evaluation baseline). */
  noTracking?: boolean;
  /**
   * Tracked plates (`lp_track`, `lp_syn`) drawn by the untracked rules as well (default true;
   * false: by their tracks only, the evaluation baseline).
   */
  untrackedPlatesToo?: boolean;
  /**
   * A tracked object whose box only jitters is drawn with the box it was drawn with before
   * (`steady.boxes.ts`; default true): the same blur pixels frame after frame in still scenes.
   * Only for the box-shaped covers (not `maskBlur`, `syn` or `lp_syn`).
   */
  steadyCovers?: boolean;
  /**
   * A tracked object's box is drawn smoothed over the 3 frames before and after
   * (`smooth.boxes.ts`; default true): covers that move with the object instead of jerking
   * with each detection's error, which x264 encodes for less. Box-shaped covers only.
   */
  smoothCovers?: boolean;
  /**
   * @deprecated Ignored: objects are always rendered at full resolution on the YUV frame
   * (`yuv.render.ts`), which is faster than the reduced RGB rendering this switched off.
   */
  fullResolutionRender?: boolean;
  encoder?: EncoderSettings;
  /**
   * Frames at the start that are decoded, detected and tracked but not written (default 0):
   * a video segment's overlap with the one before, so tracks continue across the join.
   */
  skipOutputFrames?: number;
  /** How `syn` is loaded (default: the process-wide context); a failure blurs the faces. */
  synLoad?: () => Promise<unknown>;
}

interface Pending {
  index: number;
  frame: YuvFrame;
  draw: Detection[];
}

/** Builds the video pipeline around an engine the caller owns (worker, CLI, bench). */
export function createVideoAnonymizer(
  engine: Engine,
  settings: VideoPipelineSettings = {},
): AnonymizeFile {
  return (input, output, options, run = {}) =>
    anonymize(engine, settings, input, output, options, run);
}

/** `AnonymizeFile` for videos; starts (and closes) its own engine. */
export const anonymizeVideo: AnonymizeFile = async (input, output, options, run) => {
  const engine = await createEngine();
  try {
    return await createVideoAnonymizer(engine)(input, output, options, run);
  } finally {
    await engine.close();
  }
};

async function anonymize(
  engine: Engine,
  s: VideoPipelineSettings,
  input: string,
  output: string,
  options: AnonymizeOptions,
  run: { signal?: AbortSignal; onProgress?: (p: { done: number; total: number }) => void },
): Promise<AnonymizeFileResult> {
  const { signal, onProgress } = run;
  const container = containerFor(output);
  const info = await probeVideoStreams(input, signal);
  const every = s.noTracking ? 1 : Math.max(1, Math.floor(s.detectEvery ?? 2));
  // Plates searched but not tracked are drawn around their detection frames only: no sparse
  // cadence while plates are around (`gapAt`).
  const untrackedPlates = options.enableLp && !options.lpTrack && !plateSynthFor(options);
  const sparse = s.noTracking ? every : Math.max(every, Math.floor(s.sparseEvery ?? 3));
  // Small-face passes and plates run on every Nth detection frame (counted, as frames are
  // no longer evenly spaced).
  const smallStride = s.noTracking ? 1 : Math.max(1, s.smallFaceStride ?? 3);
  const bothFacesStride = engine.models.facePair ? Math.max(0, s.bothFacesStride ?? 3) : 0;
  // Face tracks under this (detection copy px) keep the small-face passes on every detection frame.
  const passPx = s.enlargedFacePx ?? 32;
  // A face new while the cadence is sparse, or first found by the enlarged pass: covered
  // back to its first frame.
  // Quiet footage (no small face tracked lately): the small-face passes once per this many
  // frames at most.
  // The look-back covers both gaps: as long as its memory budget allows (`smallPassGapFor`).
  const frameBytes = yuvFrameSize(info.displayWidth, info.displayHeight);
  const gap = smallPassGapFor(frameBytes);
  const quietGap = s.noTracking ? 0 : Math.max(0, Math.floor(s.quietSmallGap ?? gap));
  const wholeGap = s.noTracking ? 0 : Math.max(0, Math.floor(s.wholeSmallGap ?? gap));
  // What the cadence alone needs (a face the main pass finds is found within it), and the longer
  // look-back the small-face passes' gaps need on top.
  const shortLookback = Math.max(
    s.lookbackFrames ?? 8,
    sparse,
    Math.min(sparse * smallStride - 1, 4 * sparse),
  );
  const lookback = s.noTracking ? 0 : Math.max(shortLookback, quietGap - 1, wholeGap - 1);
  const confirmLag = s.noTracking || s.confirmFrames === 0 ? 0 : Math.max(0, s.confirmLag ?? 6);
  // Frames are drawn this far behind the last detection frame settled (the tracker's `drawLag`).
  const drawLag = lookback + confirmLag;
  const thresholds: Record<ObjectClass, number> = {
    face: options.blurThreshold,
    plate: options.lpThreshold,
  };
  // Synthetic plates are tracked so that one plate keeps one synthetic registration.
  const plateSynth = plateSynthFor(options, s.plateSalt);
  const trackedClasses: ObjectClass[] =
    options.lpTrack || plateSynth ? ['face', 'plate'] : ['face'];
  // Faces large enough for every detection frame's main pass (`shortLookbackPx` on the
  // `detectSide` copy) are found within a few frames of coming into view: the long look-back is
  // for the small faces that only the sparser small-face passes find (plates, searched sparsely
  // on quiet footage, keep it). A false detection of a large face then covers ~20 frames, not ~47.
  const shortLookbackPx = s.shortLookbackPx ?? 96;
  const side = s.detectSide ?? 960;
  // Frame pixels per pixel of the `detectSide` copy: track sizes are judged on that copy,
  // whichever copy the detectors get (frames are decoded upright at the display size).
  const fine = Math.max(1, Math.max(info.displayWidth, info.displayHeight) / side);
  const tracker = new Tracker({
    trackedClasses: s.noTracking ? [] : trackedClasses,
    // A tracked plate is drawn by the untracked rules too: tracking only adds to its frames.
    drawnUntrackedToo: s.untrackedPlatesToo === false ? [] : ['plate'],
    holdFrames: s.holdFrames ?? 12,
    frameSize: { width: info.displayWidth, height: info.displayHeight },
    lookbackFrames: lookback,
    // Within `lookbackFrames`, so none with tracking off.
    untrackedLookback: shortLookback,
    shortLookback:
      shortLookbackPx > 0
        ? {
            face: { frames: shortLookback, minSide: shortLookbackPx * fine },
          }
        : {},
    startScores: thresholds,
    // Faces only: plates, searched on every other detection frame at most, would often miss
    // the lag; and the false plate seen on face-free footage (the far weights' yellow fish) is
    // found on every search, which a second sighting would not stop.
    confirmFrames: { face: s.confirmFrames ?? drawLag },
    sureScores: { face: s.sureFaceScore ?? 0.8 },
    confirmStrongSide: {
      face: (s.confirmStrongPx ?? (shortLookbackPx > 0 ? shortLookbackPx : Infinity)) * fine,
    },
    drawLag,
  });
  // New faces the first model alone found, checked by the second (`face-check.ts`).
  const faceCheck =
    (s.checkFaces ?? true) && !s.noTracking && options.blurFace && engine.models.facePair
      ? new FaceCheck(engine, options, {
          threshold: thresholds.face,
          sureScore: s.sureFaceScore ?? 0.8,
          minSide: (s.checkFacePx ?? 48) * fine,
          checkScore: s.checkFaceScore,
          memoryFrames: s.checkFaceMemory,
        })
      : undefined;
  if (faceCheck && s.stats) s.stats.faceChecks = faceCheck.counts;
  // Counts distinct plates for the summary even when plates are not tracked for drawing.
  const plateCounter = new Tracker({ trackedClasses: ['plate'], startScores: thresholds });
  const detectOptions: AnonymizeOptions = {
    ...options,
    ...detectionFloors(options, s),
  };

  // Plates move little between frames and cost more to find than faces: they are searched on
  // every other detection frame (tracked, the tracker bridges the gap; untracked, each plate is
  // moved from one search's box to the next: `untracked.ts`).
  const plateStride = s.noTracking ? 1 : (s.plateStride ?? 2);
  const withoutPlates = { ...detectOptions, enableLp: false };
  const hasSmallPass = engine.models.faceSmallPass;
  // The text plate fallback reads plates at 960 px; the plate models take 640 px at most.
  const coarsePlates = engine.models.plate !== 'text';
  const coarseSide = Math.min(side, s.coarseSide ?? 640);
  const copies: Uint8Array[] = [];
  // Each detection's appearance descriptor (`appearance.ts`), for the tracker.
  const looks = new WeakMap<Detection, Float32Array>();
  const stats = s.stats;
  const quietFrames = s.quietFrames ?? 60;
  const quietFacePx = s.quietFacePx ?? 64;
  // The last frame a face track under `quietFacePx` was expected on (the start counts as one),
  // and the last detection frame with the small-face passes.
  let lastSmallFace = 0;
  let lastSmallPass = -Infinity;
  // The last detection frame whose small-face pass could run over the whole frame.
  let lastWholeSmall = -Infinity;
  // Plates: the last frame a plate was found or tracked (the start counts as one) and the last
  // plate search. After `quietFrames` without plates they are searched at most `quietGap`
  // frames apart, within the look-back: a plate that appears is drawn back to its first frame
  // (a tracked one as a small face on quiet footage is; an untracked one back to the search
  // before, `searched` in `Tracker.update`).
  let lastPlate = 0;
  let lastPlateSearch = -Infinity;
  const platesQuiet = (index: number) =>
    !s.noTracking && quietGap > 0 && index - lastPlate >= quietFrames;
  /** Whether detection frame `index` (the `count`th) searches plates; counts it if so. */
  const plateTurnAt = (index: number, count: number): boolean => {
    const turn =
      options.enableLp &&
      passTurn({
        index,
        count,
        stride: plateStride,
        lastNeeded: s.noTracking ? index : lastPlate,
        lastPass: lastPlateSearch,
        quietFrames,
        quietGap,
        sparse,
      });
    if (turn) {
      lastPlateSearch = index;
      if (stats) stats.plateSearches = (stats.plateSearches ?? 0) + 1;
    }
    return turn;
  };
  const detect = async (frame: YuvFrame, index: number, count: number, plateTurn: boolean) => {
    const o = plateTurn ? detectOptions : withoutPlates;
    // Nothing to find (no faces asked, no plates on this frame): no detection copy either.
    if (!o.blurFace && !o.enableLp) return [];
    // The smallest face track's longer side on the `detectSide` copy.
    const smallestFacePx = o.blurFace
      ? Math.min(...tracker.predicted('face', index).map((b) => longerSide(b) / fine))
      : Infinity;
    if (smallestFacePx < quietFacePx) lastSmallFace = index;
    const smallTurn = passTurn({
      index,
      count,
      stride: smallStride,
      lastNeeded: lastSmallFace,
      lastPass: lastSmallPass,
      quietFrames,
      quietGap,
      sparse,
    });
    const plan = copyPlan({
      smallTurn,
      smallestFacePx,
      keepPx: s.smallFacePx ?? 32,
      passPx,
      detectSide: side,
      coarseSide: hasSmallPass ? coarseSide : side,
      needsSide: o.slicing || (o.enableLp && !coarsePlates),
    });
    if (plan.smallObjects) lastSmallPass = index;
    // The whole frame at most `wholeGap` frames apart (the next pass may be `sparse` away),
    // and always while a face track is under `passPx`: windows around such tiny tracks alone
    // lost faces that the whole frame kept (`eval-video --small --small-px 28 --seed 1`).
    const smallPassWhole =
      plan.smallObjects && (smallestFacePx < passPx || index - lastWholeSmall + sparse > wholeGap);
    if (smallPassWhole) lastWholeSmall = index;
    if (stats) {
      stats.detectionFrames++;
      if (plan.smallObjects) stats.smallPassFrames++;
    }
    // Detection copies (each large enough for the `detectSide` one) are reused once their
    // detection is done (the engine copies them out).
    const into = copies.pop() ?? new Uint8Array(reducedRgbBytes(frame.width, frame.height, side));
    const small = reducedRgb(frame, plan.side, into);
    const toCopy = (b: Box): Box => ({
      x1: b.x1 / small.sx,
      y1: b.y1 / small.sy,
      x2: b.x2 / small.sx,
      y2: b.y2 / small.sy,
    });
    // Face tracks expected small on this copy: the enlarged pass looks there as well.
    const smallFaces = plan.smallObjects
      ? tracker
          .predicted('face', index)
          .map(toCopy)
          .filter((b) => longerSide(b) < 1.5 * passPx)
      : undefined;
    const hints: DetectHints = {
      sequence: true,
      bothFaces: bothFacesStride > 0 && (count + 1) % bothFacesStride === 0,
      smallObjects: plan.smallObjects,
      smallFaces,
      smallPassWhole,
      // Plates accepted before need no reading again (the text fallback reads each candidate).
      knownPlates: o.enableLp ? plateCounter.predicted('plate', index).map(toCopy) : undefined,
    };
    try {
      // A "plate" around a face found with it is no plate.
      const found = platesOffFaces(
        scaleDetections(await engine.detect(small.frame, o, hints), small.sx, small.sy),
        thresholds.face,
      );
      // Appearance descriptors for the tracker, read off the copy while it is still ours.
      if (!s.noTracking) {
        for (const d of found) {
          const look = lookOf(small.frame, toCopy(d.box));
          if (look) looks.set(d, look);
        }
      }
      return faceCheck
        ? faceCheck.filter(frame, index, found, tracker.predicted('face', index))
        : found;
    } finally {
      copies.push(into);
    }
  };
  // What the blur of one object reads (its shape, feather and blur reach): syn's region.
  const blurSourceOf = (d: Detection): Box => {
    const r = renderParams(d);
    const g = shapeRegion(
      coverShape(d, true),
      r.feather + r.radius + 2,
      info.displayWidth,
      info.displayHeight,
    );
    return { x1: g.x, y1: g.y, x2: g.x + g.w, y2: g.y + g.h };
  };
  // `syn`: faces replaced by synthetic ones (slow); plates, and every other job, as usual.
  const synTally: SynTally | undefined =
    options.model === 'syn' && options.syntonymize && options.blurFace
      ? { replaced: 0, blurred: 0 }
      : undefined;
  // The syn code blurs faces it must not replace as `renderDetection(.., 'blur', true)` does.
  const synSettings = {
    options,
    blurSourceOf,
    blur: (frame: YuvFrame, faces: Detection[]) => coverOnYuv(frame, faces, 'blur', true),
    load: s.synLoad,
  };
  const render = async (frame: YuvFrame, all: Detection[], index: number) => {
    const objects = plateSynth ? synthesizePlatesOnYuv(frame, all, plateSynth) : all;
    if (!synTally) return coverOnYuv(frame, objects, options.style, options.maskBlur);
    const others = objects.filter((d) => d.cls !== 'face');
    if (others.length > 0) coverOnYuv(frame, others, options.style, options.maskBlur);
    await synthesizeOnYuv(
      frame,
      objects.filter((d) => d.cls === 'face'),
      synSettings,
      synTally,
      index,
    );
  };
  // Box-shaped covers only: mask blur follows landmarks and polygons, syn and lp_syn their own.
  const boxCovers = !options.maskBlur && !synTally && !plateSynth;
  const steady = (s.steadyCovers ?? true) && boxCovers ? new SteadyBoxes() : undefined;
  // Moving objects' covers follow their smoothed path (`smooth.boxes.ts`); the frames after
  // the one drawn are in the buffer (the look-back keeps them there).
  const smooth =
    (s.smoothCovers ?? true) && boxCovers && !s.noTracking ? new SmoothBoxes() : undefined;
  // Untracked plates are drawn around their searches only, and which frames search depends on
  // the plates settled so far: there the deeper pipeline searched too late after a plate came
  // into view, and the clip's last frames went uncovered (test/integration/video/plates.test.ts).
  const depth = Math.max(1, Math.floor(s.inflight ?? (untrackedPlates ? 2 : 3)));
  // Buffers for the frames in flight: the look-back, detections (two frames more per detection
  // frame beyond two) and writes in progress.
  const pool = acquireFramePool(frameBytes, drawLag + 8 + 2 * Math.max(0, depth - 2));
  const buffer: Pending[] = [];
  const inflight: Array<{ index: number; plates: boolean; result: Promise<Detection[]> }> = [];
  const perFrame: AnonymizeFileResult['detections'] = [];
  const writer = openVideoWriter({ input, output, container, info, settings: s.encoder, signal });
  let processedTo = -1;
  let written = 0;
  let lastReport = 0;
  const skip = Math.max(0, Math.floor(s.skipOutputFrames ?? 0));
  const total = Math.max(info.frames - skip, 1);
  let warmStarted = { face: 0, plate: 0 };
  // Cadence: the last detection frame, detection frames so far, and the last frame a track
  // started or was dropped (the start counts as one).
  let lastDetected = -Infinity;
  let detections = 0;
  let lastChange = 0;
  let lostCount = 0;
  let startedCount = 0;
  const sparseFacePx = s.sparseFacePx ?? 48;
  const gapAt = (index: number, frame: YuvFrame): number => {
    if (sparse <= every) return every;
    // Untracked plates around: dense, whatever the tracks (see `untrackedPlates`).
    const why =
      untrackedPlates && !platesQuiet(index)
        ? 'plates'
        : denseBecause({
            tracks: trackedClasses.flatMap((cls) =>
              tracker.states(cls, index).map((t): CadenceTrack => ({
                ...t,
                threshold: thresholds[cls],
                minSide: cls === 'face' ? sparseFacePx * fine : 0,
              })),
            ),
            width: frame.width,
            height: frame.height,
            sinceChange: index - lastChange,
            dense: every,
            sparse,
          });
    if (why === undefined) return sparse;
    if (stats?.dense && index - lastDetected === every) {
      stats.dense[why] = (stats.dense[why] ?? 0) + 1;
    }
    return every;
  };

  const place = (boxes: TrackedBox[]) => {
    const first = buffer[0]?.index ?? 0;
    for (const b of boxes) buffer[b.frame - first]?.draw.push(b.detection);
  };
  const settle = async () => {
    const next = inflight.shift()!;
    const found = await next.result;
    // Weak detections too: tracks continue on them, and an untracked one is drawn where one of
    // its class was drawn on the previous detection frame (`Tracker.update`). Untracked plates
    // found here are drawn back to the previous plate search.
    place(tracker.update(next.index, found, next.plates, (d) => looks.get(d)));
    // A plate found at its threshold or still tracked: plates are around.
    const plateSeen = found.some((d) => d.cls === 'plate' && d.score >= thresholds.plate);
    if (plateSeen || tracker.predicted('plate', next.index).length > 0) lastPlate = next.index;
    // A track started, or one lost in view (not one that left the frame): calm frames follow.
    // A revived track counts as a change too (it was lost; the summary counts it once).
    const started =
      tracker.started.face + tracker.started.plate + tracker.revived.face + tracker.revived.plate;
    const lost = tracker.lost.face + tracker.lost.plate;
    if (lost !== lostCount || started !== startedCount) lastChange = next.index;
    [lostCount, startedCount] = [lost, started];
    // Copies: the counter numbers its tracks on the detections it gets, and these are the
    // drawing tracker's (its ids would merge an untracked plate into a face of the same id).
    const plates: Detection[] = [];
    for (const d of found) if (d.cls === 'plate') plates.push({ ...d });
    plateCounter.update(next.index, plates);
    processedTo = next.index;
    // A segment counts only tracks started after its warm-up: the segment before counted those.
    if (next.index < skip) warmStarted = { ...tracker.started, plate: plateCounter.started.plate };
  };
  const flush = async (upTo: number) => {
    while (buffer.length > 0 && buffer[0].index <= upTo) {
      const p = buffer.shift()!;
      if (p.index < skip) {
        pool.give(p.frame.data);
        continue;
      }
      const own = finalObjects(p.draw, p.frame);
      const found = smooth
        ? smooth.apply(p.index, own, (j) => {
            const later = buffer[j - p.index - 1];
            return later ? finalObjects(later.draw, later.frame) : [];
          })
        : own;
      // The boxes drawn are the boxes reported.
      const objects = steady ? steady.apply(found, smooth && ((d) => smooth.motionOf(d))) : found;
      if (objects.length > 0) await render(p.frame, objects, p.index);
      perFrame.push({ frame: p.index - skip, objects });
      await writer.write(p.frame, () => pool.give(p.frame.data));
      written++;
      if (onProgress && (written - lastReport >= total / 100 || written === 1)) {
        lastReport = written;
        onProgress({ done: Math.min(written, total), total });
      }
    }
  };

  let index = -1;
  try {
    for await (const frame of decodeFrames(input, info, signal, pool)) {
      if (signal?.aborted) throw new VeilError('CANCELLED');
      index++;
      buffer.push({ index, frame, draw: [] });
      if (index - lastDetected >= every && index - lastDetected >= gapAt(index, frame)) {
        lastDetected = index;
        const count = detections++;
        const plates = plateTurnAt(index, count);
        inflight.push({ index, plates, result: detect(frame, index, count, plates) });
      }
      while (inflight.length > (index < lookback ? Math.min(2, depth) : depth)) await settle();
      await flush(processedTo - drawLag);
    }
    while (inflight.length > 0) await settle();
    place(tracker.finish(index));
    await flush(index);
    await writer.finish();
  } catch (err) {
    writer.abort();
    await Promise.allSettled(inflight.map((i) => i.result));
    if (signal?.aborted) throw new VeilError('CANCELLED', undefined, { cause: err });
    throw err;
  } finally {
    releaseFramePool(pool);
  }
  onProgress?.({ done: written, total: written });
  return {
    summary: {
      kind: 'video',
      width: info.displayWidth,
      height: info.displayHeight,
      durationSeconds: info.durationSeconds,
      frames: written,
      fps: info.fps,
      // A tentative track started in the warm-up and dropped after it lowers `started` here.
      faces: Math.max(0, tracker.started.face - warmStarted.face),
      plates: plateCounter.started.plate - warmStarted.plate,
      ...(synTally ? { syn: synTally } : {}),
    },
    detections: perFrame,
  };
}

/**
 * Boxes on one frame that lie inside it, one per track: a track can have a held and an
 * interpolated box on the same frame, and covering their union is the safe side at the cost
 * of one render (renders are the main thread's largest cost). Untracked objects have no id:
 * boxes of one class that overlap (IoU `UNTRACKED_SAME`, a held and a drawn-back box of one
 * plate) are one object too, and one that overlaps a track's box is that track's object.
 */
export function finalObjects(draw: Detection[], frame: YuvFrame): Detection[] {
  const byTrack = new Map<number, Detection>();
  const untracked: Detection[] = [];
  for (const d of draw) {
    const b = d.box;
    if (b.x2 <= 0 || b.y2 <= 0 || b.x1 >= frame.width || b.y1 >= frame.height) continue;
    if (d.trackId !== undefined) {
      const prev = byTrack.get(d.trackId);
      byTrack.set(d.trackId, prev ? { ...d, box: unionBox(prev.box, b) } : d);
      continue;
    }
    const same = untracked.findIndex((u) => u.cls === d.cls && iou(u.box, b) >= UNTRACKED_SAME);
    if (same < 0) untracked.push(d);
    else untracked[same] = { ...d, box: unionBox(untracked[same].box, b) };
  }
  // A tracked class drawn by the untracked rules too (`drawnUntrackedToo`): an untracked box
  // over a track's box is that track's object.
  const tracked = [...byTrack.values()];
  const rest: Detection[] = [];
  for (const u of untracked) {
    const same = tracked.findIndex((t) => t.cls === u.cls && iou(t.box, u.box) >= UNTRACKED_SAME);
    if (same < 0) rest.push(u);
    else tracked[same] = { ...tracked[same], box: unionBox(tracked[same].box, u.box) };
  }
  return [...tracked, ...rest];
}

/** IoU over which two boxes of an untracked class on one frame are one object (`finalObjects`). */
const UNTRACKED_SAME = 0.3;
