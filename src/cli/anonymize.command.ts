/**
 * `veil anonymize <files or folders...> [-o dir]`: local anonymization, no server (like deface).
 * One summary line per file; a bad file is reported in one line and the others still run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { AnonymizeFileResult } from '../media/index.ts';
import {
  addDetectionFlags,
  addRenderFlags,
  collectInputs,
  outputPathFor,
  toAnonymizeOptions,
  type MediaFlags,
} from './media-options.ts';

interface AnonymizeFlags extends MediaFlags {
  output?: string;
  detections?: string;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(
  input: string,
  output: string,
  result: AnonymizeFileResult,
  ms: number,
): string {
  const s = result.summary;
  const size =
    s.kind === 'video'
      ? `${s.width}x${s.height}, ${s.frames ?? '?'} frames`
      : `${s.width}x${s.height}`;
  return `${input} -> ${output}: ${plural(s.faces, 'face')}, ${plural(s.plates, 'plate')} (${size}) in ${Math.round(ms)} ms`;
}

/** A one-line progress bar with ETA on stderr, for long files on a terminal. */
function progressPrinter(
  label: string,
): ((p: { done: number; total: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const start = Date.now();
  return ({ done, total }) => {
    if (total <= 1) return;
    const frac = Math.min(1, done / total);
    const eta = frac > 0 ? ((Date.now() - start) / frac - (Date.now() - start)) / 1000 : 0;
    const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
    process.stderr.write(`\r${label} [${bar}] ${Math.round(frac * 100)}% ETA ${Math.ceil(eta)}s `);
    if (done >= total) process.stderr.write('\n');
  };
}

export async function runAnonymize(inputs: string[], flags: AnonymizeFlags): Promise<number> {
  // The engine and codecs load here, so `veil --help` and the other commands never pay for them.
  const [{ anonymizeFile }, { configureEngineModels }, { closeSharedEngine }] = await Promise.all([
    import('../media/anonymize-file.ts'),
    import('./engine-models.ts'),
    import('../media/image/shared-engine.ts'),
  ]);
  configureEngineModels();
  const options = { ...toAnonymizeOptions(flags), detections: false };
  const files = await collectInputs(inputs);
  if (files.length === 0) {
    console.error('error: no image or video files found');
    return 1;
  }
  const report: object[] = [];
  let failed = 0;
  try {
    for (const input of files) {
      const output = outputPathFor(input, flags.output);
      const started = performance.now();
      try {
        if (path.resolve(output) === path.resolve(input.file)) {
          throw new Error('the output would overwrite the input; choose another -o folder');
        }
        await mkdir(path.dirname(output), { recursive: true });
        const result = await anonymizeFile(input.file, output, options, {
          onProgress: progressPrinter(input.file),
        });
        console.log(summaryLine(input.file, output, result, performance.now() - started));
        report.push({
          input: input.file,
          output,
          summary: result.summary,
          frames: result.detections,
        });
      } catch (err) {
        failed++;
        console.error(`error: ${input.file}: ${errorMessage(err)}`);
        report.push({ input: input.file, error: errorMessage(err) });
      }
    }
  } finally {
    await closeSharedEngine();
  }
  if (flags.detections)
    await writeFile(flags.detections, JSON.stringify({ files: report }, null, 1));
  return failed === 0 ? 0 : 1;
}

export function registerAnonymize(program: Command): void {
  const cmd = program
    .command('anonymize')
    .description('cover faces and license plates in images and videos, locally')
    .argument('<inputs...>', 'files or folders (folders are walked for supported files)')
    .option(
      '-o, --output <dir>',
      'write results into this folder under their own names (default: <name>_anonymized.<ext> beside each input)',
    )
    .option(
      '--detections <file>',
      'also write every detection (boxes, scores, classes) to this JSON file',
    );
  addRenderFlags(addDetectionFlags(cmd));
  cmd.action(async (inputs: string[], flags: AnonymizeFlags) => {
    try {
      process.exitCode = await runAnonymize(inputs, flags);
    } catch (err) {
      console.error(`error: ${errorMessage(err)}`);
      process.exitCode = 1;
    }
  });
}
