/** The 1080p scene of the syn benchmarks: group-5-faces.jpg (1920x1398) cropped to 1080 rows. */
import sharp from 'sharp';
import type { RgbFrame } from '../src/engine/types.ts';
import { loadFixture } from '../test/fixtures/images/fixtures.ts';

export async function synBenchFrame(): Promise<RgbFrame> {
  const g = await loadFixture('group-5-faces.jpg');
  const { data } = await sharp(Buffer.from(g.data), {
    raw: { width: g.width, height: g.height, channels: 3 },
  })
    .extract({ left: 0, top: 100, width: 1920, height: 1080 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: 1920, height: 1080 };
}
