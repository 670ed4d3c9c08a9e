/**
 * Slicing: overlapping tiles over a large frame so that small objects are seen near native
 * resolution, and the merge of tile detections with the downscaled full-frame pass.
 */
import { mapDetection } from './box.ts';
import { nms } from './nms.ts';
import type { Box, Detection } from './types.ts';

/** A tile in frame pixels. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Start offsets of windows of `size` covering `length` with at least `overlap` shared pixels. */
export function tileStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const step = Math.max(1, size - overlap);
  const count = Math.ceil((length - size) / step) + 1;
  // Spread the windows evenly so the last one ends exactly on the border.
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(Math.round((i * (length - size)) / (count - 1)));
  return starts;
}

export function planTiles(width: number, height: number, size: number, overlap: number): Tile[] {
  const tiles: Tile[] = [];
  for (const y of tileStarts(height, size, overlap)) {
    for (const x of tileStarts(width, size, overlap)) {
      tiles.push({ x, y, width: Math.min(size, width - x), height: Math.min(size, height - y) });
    }
  }
  return tiles;
}

export interface SlicingOptions {
  /** Scale of the full-frame pass (model pixels per frame pixel). */
  fullScale: number;
  /** Tile side in model pixels. */
  tileSide: number;
  /** Smallest object (model pixels) the full pass finds reliably; larger ones are left to it. */
  reliablePx: number;
  /** Upper bound on the number of tiles; the tile pass is downscaled to stay under it. */
  maxTiles: number;
}

export interface SlicingPlan {
  /** Model pixels per frame pixel inside tiles (<= 1). */
  tileScale: number;
  tiles: Tile[];
  /** Tile detections larger than this (frame pixels) are left to the full pass. */
  maxObjectPx: number;
}

/** No tiles when the full pass already runs near native resolution. */
export function planSlicing(width: number, height: number, o: SlicingOptions): SlicingPlan {
  if (o.fullScale >= 0.75) return { tileScale: 1, tiles: [], maxObjectPx: 0 };
  // Objects the full pass may miss are below reliablePx / fullScale frame pixels; keep margin.
  const maxObjectPx = Math.ceil((2 * o.reliablePx) / o.fullScale);
  let tileScale = 1;
  for (;;) {
    const side = Math.round(o.tileSide / tileScale);
    const overlap = Math.min(maxObjectPx, Math.floor(side / 3));
    const tiles = planTiles(width, height, side, overlap);
    if (tiles.length <= o.maxTiles || tileScale < 0.1) {
      return { tileScale, tiles, maxObjectPx: Math.min(maxObjectPx, overlap) };
    }
    tileScale *= 0.8;
  }
}

/** Tiles see more background at high resolution, so their detections must score higher. */
export function tileThreshold(threshold: number): number {
  return threshold + (1 - threshold) * 0.2;
}

/** True when the box touches a tile side that is inside the frame (a seam): it may be cut. */
export function touchesSeam(
  box: Box,
  tile: Tile,
  width: number,
  height: number,
  margin = 2,
): boolean {
  return (
    (tile.x > 0 && box.x1 <= tile.x + margin) ||
    (tile.y > 0 && box.y1 <= tile.y + margin) ||
    (tile.x + tile.width < width && box.x2 >= tile.x + tile.width - margin) ||
    (tile.y + tile.height < height && box.y2 >= tile.y + tile.height - margin)
  );
}

export interface TileResult {
  tile: Tile;
  /** Detections in the tile's model pixels (the tile scaled by `tileScale`). */
  detections: Detection[];
}

export interface MergeOptions {
  width: number;
  height: number;
  threshold: number;
  nmsIou: number;
}

/**
 * Full-frame detections (already in frame pixels) plus tile detections: tile hits must beat
 * the raised tile threshold, be small (big objects are the full pass's job) and not touch a
 * seam (the overlap guarantees a neighbour tile holds them whole). Then NMS over the union,
 * also suppressing boxes lying inside a better one.
 */
export function mergeSlices(
  full: Detection[],
  plan: SlicingPlan,
  tiles: TileResult[],
  o: MergeOptions,
): Detection[] {
  const tileMin = tileThreshold(o.threshold);
  const merged = full.filter((d) => d.score >= o.threshold);
  for (const { tile, detections } of tiles) {
    const m = {
      scaleX: 1 / plan.tileScale,
      scaleY: 1 / plan.tileScale,
      offsetX: tile.x,
      offsetY: tile.y,
    };
    for (const d of detections) {
      if (d.score < tileMin) continue;
      const mapped = mapDetection(d, m);
      const side = Math.max(mapped.box.x2 - mapped.box.x1, mapped.box.y2 - mapped.box.y1);
      if (side > plan.maxObjectPx) continue;
      if (touchesSeam(mapped.box, tile, o.width, o.height)) continue;
      merged.push(mapped);
    }
  }
  return nms(merged, { iou: o.nmsIou, containment: 0.7 });
}
