/**
 * Contact sheets for the audits (faces, plates): one tile per item, a crop twice the item's box
 * around its centre, scaled to a fixed tile, the item's box and landmarks drawn on it and a label
 * under it.
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { Xyxy } from './dataset.ts';

export interface SheetItem {
  /** Image file the item lies in. */
  path: string;
  imageWidth: number;
  imageHeight: number;
  /** The box the tile is about (red), others to show for context (green: truth, cyan: detections). */
  box: Xyxy;
  truth: Xyxy[];
  dets: Xyxy[];
  landmarks?: [number, number][];
  label: string;
}

const TILE = 180;
const TEXT = 18;
const COLS = 8;

const esc = (s: string) =>
  s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

async function tile(item: SheetItem): Promise<Buffer> {
  const [x1, y1, x2, y2] = item.box;
  const side = Math.max(48, 2 * Math.max(x2 - x1, y2 - y1));
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.max(1, Math.min(item.imageWidth, Math.round(cx + side / 2)) - left);
  const height = Math.max(1, Math.min(item.imageHeight, Math.round(cy + side / 2)) - top);
  const scale = Math.min(TILE / width, TILE / height);
  const ox = (TILE - width * scale) / 2;
  const oy = (TILE - height * scale) / 2;
  const px = (x: number) => (ox + (x - left) * scale).toFixed(1);
  const py = (y: number) => (oy + (y - top) * scale).toFixed(1);
  const rect = (b: Xyxy, colour: string, w: number) =>
    `<rect x="${px(b[0])}" y="${py(b[1])}" width="${((b[2] - b[0]) * scale).toFixed(1)}" ` +
    `height="${((b[3] - b[1]) * scale).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${w}"/>`;
  const dots = (item.landmarks ?? [])
    .map(
      ([x, y], k) =>
        `<circle cx="${px(x)}" cy="${py(y)}" r="2.5" fill="${['#f0f', '#ff0', '#0ff', '#f80', '#08f'][k]}"/>`,
    )
    .join('');
  const svg =
    `<svg width="${TILE}" height="${TILE + TEXT}" xmlns="http://www.w3.org/2000/svg">` +
    item.truth.map((b) => rect(b, '#0c0', 1)).join('') +
    item.dets.map((b) => rect(b, '#0cf', 1)).join('') +
    rect(item.box, '#f00', 2) +
    dots +
    `<rect x="0" y="${TILE}" width="${TILE}" height="${TEXT}" fill="#000"/>` +
    `<text x="3" y="${TILE + 14}" font-family="sans-serif" font-size="13" fill="#fff">${esc(item.label)}</text>` +
    `</svg>`;
  const crop = await sharp(item.path)
    .extract({ left, top, width, height })
    .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)))
    .toBuffer();
  return sharp({
    create: { width: TILE, height: TILE + TEXT, channels: 3, background: '#222' },
  })
    .composite([
      { input: crop, left: Math.round(ox), top: Math.round(oy) },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
}

/** Writes sheets of up to `perSheet` tiles as `${prefix}-N.png`; returns the files written. */
export async function writeSheets(
  items: SheetItem[],
  prefix: string,
  perSheet = 48,
): Promise<string[]> {
  const files: string[] = [];
  for (let start = 0; start < items.length; start += perSheet) {
    const chunk = items.slice(start, start + perSheet);
    const rows = Math.ceil(chunk.length / COLS);
    const overlays: OverlayOptions[] = [];
    for (let i = 0; i < chunk.length; i++) {
      overlays.push({
        input: await tile(chunk[i]),
        left: (i % COLS) * (TILE + 2),
        top: Math.floor(i / COLS) * (TILE + TEXT + 2),
      });
    }
    const file = `${prefix}-${files.length + 1}.png`;
    await sharp({
      create: {
        width: COLS * (TILE + 2),
        height: rows * (TILE + TEXT + 2),
        channels: 3,
        background: '#fff',
      },
    })
      .composite(overlays)
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}
