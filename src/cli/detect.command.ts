/** `veil detect <files...> [--json]`: faces and plates found in images, without changing them. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Detection } from '../engine/types.ts';
import { VeilError } from '../errors.ts';
import { errorMessage } from './anonymize.command.ts';
import {
  addDetectionFlags,
  collectInputs,
  toAnonymizeOptions,
  type MediaFlags,
} from './media-options.ts';

interface DetectFlags extends MediaFlags {
  json?: boolean;
}

export interface FileDetections {
  file: string;
  width?: number;
  height?: number;
  detections?: Detection[];
  error?: string;
}

const round = (n: number): number => Math.round(n * 10) / 10;

function describe(d: Detection): string {
  const b = d.box;
  return `  ${d.cls} ${d.score.toFixed(2)} [${round(b.x1)}, ${round(b.y1)}, ${round(b.x2)}, ${round(b.y2)}]`;
}

export async function runDetect(inputs: string[], flags: DetectFlags): Promise<number> {
  // The engine and codecs load here, so `veil --help` and the other commands never pay for them.
  const [{ decodeImage, formatOfExtension }, { configureEngineModels }, shared] = await Promise.all(
    [
      import('../media/image/image.codec.ts'),
      import('./engine-models.ts'),
      import('../media/image/shared-engine.ts'),
    ],
  );
  const { closeSharedEngine, getSharedEngine } = shared;
  configureEngineModels();
  const options = toAnonymizeOptions(flags);
  const results: FileDetections[] = [];
  try {
    for (const { file } of await collectInputs(inputs)) {
      try {
        const format = formatOfExtension(path.extname(file));
        if (!format)
          throw new VeilError(
            'UNSUPPORTED_FORMAT',
            'detect reads images only (.jpg .jpeg .png .bmp)',
          );
        const img = await decodeImage(await readFile(file), format);
        const detections = await (await getSharedEngine()).detect(img.frame, options);
        results.push({ file, width: img.frame.width, height: img.frame.height, detections });
        if (!flags.json)
          console.log(
            [`${file}: ${detections.length} found`, ...detections.map(describe)].join('\n'),
          );
      } catch (err) {
        results.push({ file, error: errorMessage(err) });
        console.error(`error: ${file}: ${errorMessage(err)}`);
      }
    }
  } finally {
    await closeSharedEngine();
  }
  if (flags.json) console.log(JSON.stringify(results, null, 1));
  return results.length > 0 && results.every((r) => !r.error) ? 0 : 1;
}

export function registerDetect(program: Command): void {
  const cmd = program
    .command('detect')
    .description('list the faces and plates found in images (boxes, scores, classes)')
    .argument('<inputs...>', 'image files or folders')
    .option('--json', 'print one JSON document for all files', false);
  addDetectionFlags(cmd);
  cmd.action(async (inputs: string[], flags: DetectFlags) => {
    try {
      process.exitCode = await runDetect(inputs, flags);
    } catch (err) {
      console.error(`error: ${errorMessage(err)}`);
      process.exitCode = 1;
    }
  });
}
