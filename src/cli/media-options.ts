/**
 * Options shared by `veil anonymize` and `veil detect`: model parameters as flags, turned into
 * the engine's AnonymizeOptions, and input files/folders expanded into media files.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultAnonymizeOptions, type AnonymizeOptions } from '../engine/types.ts';
import { IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from '../media/index.ts';

export interface MediaFlags {
  model?: string;
  threshold?: number;
  lpThreshold?: number;
  lp?: boolean;
  faces?: boolean;
  slicing?: boolean;
  maskBlur?: boolean;
  lpTrack?: boolean;
  lpSyn?: boolean;
  style?: string;
}

export function parseScore(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('must be a number from 0 to 1.');
  }
  return n;
}

/** Adds the detection flags (both commands) to `cmd`. */
export function addDetectionFlags(cmd: Command): Command {
  return cmd
    .option('--threshold <score>', 'face score threshold, 0..1 (blur_threshold)', parseScore, 0.5)
    .option('--lp-threshold <score>', 'plate score threshold, 0..1 (lp_threshold)', parseScore, 0.5)
    .option('--no-lp', 'leave license plates alone (enable_lp=false)')
    .option('--no-faces', 'leave faces alone (blur_face=false)')
    .option('--slicing', 'also scan tiles of large images so small faces are found', false);
}

/** Adds the rendering flags (anonymize only) to `cmd`. */
export function addRenderFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--model <model>', 'anonymization model').choices(['blur', 'syn']).default('blur'),
    )
    .option('--mask-blur', "blur the object's own shape instead of an ellipse", false)
    .option('--lp-track', 'track plates across video frames', false)
    .option(
      '--lp-syn',
      'replace plates with synthetic plates that cannot be real (lp_syntonymize; Veil extension)',
      false,
    )
    .addOption(
      new Option('--style <style>', 'how regions are covered (Veil extension)')
        .choices(['blur', 'pixelate', 'fill'])
        .default('blur'),
    );
}

export function toAnonymizeOptions(flags: MediaFlags): AnonymizeOptions {
  return {
    ...defaultAnonymizeOptions,
    model: flags.model === 'syn' ? 'syn' : 'blur',
    blurFace: flags.faces !== false,
    enableLp: flags.lp !== false,
    blurThreshold: flags.threshold ?? defaultAnonymizeOptions.blurThreshold,
    lpThreshold: flags.lpThreshold ?? defaultAnonymizeOptions.lpThreshold,
    slicing: flags.slicing === true,
    maskBlur: flags.maskBlur === true,
    lpTrack: flags.lpTrack === true,
    lpSyntonymize: flags.lpSyn === true,
    style: flags.style === 'pixelate' || flags.style === 'fill' ? flags.style : 'blur',
  };
}

const MEDIA_EXTENSIONS = new Set<string>([...IMAGE_EXTENSIONS, ...VIDEO_EXTENSIONS]);

export function isMediaFile(file: string): boolean {
  return MEDIA_EXTENSIONS.has(path.extname(file).toLowerCase());
}

export interface InputFile {
  /** Path of the file to read. */
  file: string;
  /** Path relative to the folder it was found in (its base name when given directly). */
  relative: string;
}

/**
 * Files as given, plus media files found by walking folders (sorted, hidden entries skipped).
 * A named file is kept whatever its extension, so an unsupported one gets a clear error.
 */
export async function collectInputs(inputs: string[]): Promise<InputFile[]> {
  const found: InputFile[] = [];
  async function walk(root: string, dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(root, full);
      else if (e.isFile() && isMediaFile(e.name))
        found.push({ file: full, relative: path.relative(root, full) });
    }
  }
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) await walk(input, input);
    else found.push({ file: input, relative: path.basename(input) });
  }
  return found;
}

/** `-o dir`: `<dir>/<relative path>`; otherwise `<name>_anonymized<ext>` beside the input. */
export function outputPathFor(input: InputFile, outDir?: string): string {
  if (outDir) return path.join(outDir, input.relative);
  const ext = path.extname(input.file);
  return path.join(path.dirname(input.file), `${path.basename(input.file, ext)}_anonymized${ext}`);
}
