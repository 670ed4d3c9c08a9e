import type { VideoPipelineSettings } from '../../src/media/video/video.pipeline.ts';

/**
 * `--set NAME=VALUE` (repeatable) on an eval script's command line: any video pipeline setting,
 * a number or true/false.
 */
export function pipelineSettingsFrom(argv: string[]): Partial<VideoPipelineSettings> {
  const settings: Record<string, number | boolean> = {};
  argv.forEach((a, i) => {
    if (a !== '--set') return;
    const [key, value] = argv[i + 1].split('=');
    settings[key] = value === 'true' ? true : value === 'false' ? false : Number(value);
  });
  return settings as Partial<VideoPipelineSettings>;
}
