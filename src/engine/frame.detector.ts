/**
 * Detection over one full frame: a downscaled copy for the main pass (boxes mapped back to frame
 * pixels), plus overlapping native-resolution tiles when `slicing` is on.
 */
import { clipDetection, mapBox, mapDetection } from './box.ts';
import { cropRgb, fitWithin, resizeRgb } from './preprocess.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import { gatePlates, needsVehicles, PLATE_CONTEXT } from './plate-context.ts';
import { flatPlate } from './plate-texture.ts';
import { mergeSlices, planSlicing, tileThreshold, type TileResult } from './tiling.ts';
import type { ObjectDetector } from './vehicle.detector.ts';
import type { AnonymizeOptions, Box, Detection, RgbFrame } from './types.ts';

/** Longest side of the main pass; 960 was the best single scale for faces (FINDINGS). */
export const FULL_SIDE = 960;
/** At most this many tiles per class; beyond it the tiles are downscaled. */
export const MAX_TILES = 64;

export interface FrameDetectors {
  face?: RegionDetector;
  plate?: RegionDetector;
  /** Vehicles for the plate context of photos (`plate-context.ts`); absent: no context. */
  vehicles?: ObjectDetector;
}

type DetectOptions = Pick<
  AnonymizeOptions,
  'blurFace' | 'enableLp' | 'blurThreshold' | 'lpThreshold' | 'slicing'
>;

export function checkFrame(frame: RgbFrame): void {
  if (
    !Number.isInteger(frame.width) ||
    !Number.isInteger(frame.height) ||
    frame.width < 1 ||
    frame.height < 1
  ) {
    throw new RangeError(`bad frame size ${frame.width}x${frame.height}`);
  }
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new RangeError(
      `frame data has ${frame.data.length} bytes, expected ${frame.width * frame.height * 3}`,
    );
  }
}

/** `hints` (video): boxes in `frame` pixels; tiles get only `smallObjects`, `sequence` and `facePart`. */
export async function detectFrame(
  frame: RgbFrame,
  options: DetectOptions,
  detectors: FrameDetectors,
  hints: DetectHints = {},
): Promise<Detection[]> {
  checkFrame(frame);
  const jobs: Array<[RegionDetector, number]> = [];
  if (options.blurFace && detectors.face) jobs.push([detectors.face, options.blurThreshold]);
  if (options.enableLp && detectors.plate) jobs.push([detectors.plate, options.lpThreshold]);
  if (jobs.length === 0) return [];

  const fit = fitWithin(frame.width, frame.height, FULL_SIDE);
  const base = resizeRgb(frame, fit.width, fit.height);
  const back = {
    scaleX: frame.width / base.width,
    scaleY: frame.height / base.height,
    offsetX: 0,
    offsetY: 0,
  };
  const toBase = (b: Box): Box => ({
    x1: b.x1 / back.scaleX,
    y1: b.y1 / back.scaleY,
    x2: b.x2 / back.scaleX,
    y2: b.y2 / back.scaleY,
  });
  const baseHints: DetectHints = {
    ...hints,
    knownPlates: hints.knownPlates?.map(toBase),
  };
  const found: Detection[] = [];
  // Video frames: a plate candidate flat inside (`plate-texture.ts`) is dropped, e.g. the grey
  // bar of ffmpeg's test pattern, which lp_track held for seconds and whose track kept the plate
  // search dense. Photos keep them: the labelled photo set counts blanked plates as plates (4 of
  // 142, scored 0.50-0.67 like the bar), and covering one costs nothing there.
  for (const [detector, threshold] of jobs) {
    const full = (await detector.detect(base, threshold, baseHints)).map((d) =>
      mapDetection(d, back),
    );
    let result = full;
    if (options.slicing) {
      const { smallObjects, sequence, facePart } = hints;
      const tileHints = { smallObjects, sequence, facePart };
      result = await sliced(frame, detector, threshold, fit.scale, full, tileHints);
    }
    for (const d of result) {
      const clipped = clipDetection(d, frame.width, frame.height);
      if (clipped && !(hints.sequence && clipped.cls === 'plate' && flatPlate(frame, clipped.box)))
        found.push(clipped);
    }
  }
  // Photos: plates that are not sure of themselves must sit on a vehicle. (Video frames keep
  // theirs: a vehicle search per plate search would cost the pipeline its speed.)
  if (detectors.vehicles && !hints.sequence && needsVehicles(found)) {
    const vehicles = await detectors.vehicles.detect(base, undefined, PLATE_CONTEXT.vehicleScore);
    return gatePlates(
      found,
      vehicles.map((v) => mapBox(v.box, back)),
    );
  }
  return found;
}

async function sliced(
  frame: RgbFrame,
  detector: RegionDetector,
  threshold: number,
  fullScale: number,
  full: Detection[],
  hints: DetectHints,
): Promise<Detection[]> {
  const plan = planSlicing(frame.width, frame.height, {
    fullScale,
    tileSide: detector.tileSide,
    reliablePx: detector.reliablePx,
    maxTiles: MAX_TILES,
  });
  if (plan.tiles.length === 0) return full;
  const results: TileResult[] = [];
  for (const tile of plan.tiles) {
    const crop = cropRgb(frame, tile.x, tile.y, tile.width, tile.height);
    const w = Math.max(1, Math.round(crop.width * plan.tileScale));
    const h = Math.max(1, Math.round(crop.height * plan.tileScale));
    const image = resizeRgb(crop, w, h);
    const detections = await detector.detect(image, tileThreshold(threshold), hints);
    results.push({ tile, detections });
  }
  return mergeSlices(full, plan, results, {
    width: frame.width,
    height: frame.height,
    threshold,
    nmsIou: detector.nmsIou,
  });
}
