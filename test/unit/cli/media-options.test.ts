import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import {
  addDetectionFlags,
  addRenderFlags,
  collectInputs,
  outputPathFor,
  parseScore,
  toAnonymizeOptions,
} from '../../../src/cli/media-options.ts';

function parse(args: string[]): Record<string, unknown> {
  const sut = addRenderFlags(
    addDetectionFlags(new Command().exitOverride().configureOutput({ writeErr: () => {} })),
  );
  sut.argument('[inputs...]');
  sut.parse(args, { from: 'user' });
  return sut.opts();
}

test('flags map onto AnonymizeOptions', () => {
  const cases: Array<[string[], Partial<typeof defaultAnonymizeOptions>]> = [
    [[], {}],
    [['--no-lp'], { enableLp: false }],
    [['--no-faces', '--slicing'], { blurFace: false, slicing: true }],
    [['--threshold', '0.3', '--lp-threshold', '0.7'], { blurThreshold: 0.3, lpThreshold: 0.7 }],
    [
      ['--mask-blur', '--lp-track', '--style', 'fill'],
      { maskBlur: true, lpTrack: true, style: 'fill' },
    ],
    [['--model', 'syn'], { model: 'syn' }],
    [['--lp-syn'], { lpSyntonymize: true }],
    [['--model', 'syn', '--lp-syn'], { model: 'syn', lpSyntonymize: true }],
  ];
  for (const [args, expected] of cases) {
    assert.deepEqual(
      toAnonymizeOptions(parse(args)),
      { ...defaultAnonymizeOptions, ...expected },
      args.join(' '),
    );
  }
});

test('bad values are refused by the parser', () => {
  for (const args of [
    ['--threshold', '1.5'],
    ['--threshold', 'x'],
    ['--style', 'swirl'],
    ['--model', 'deepfake'],
  ]) {
    assert.throws(() => parse(args), Error, args.join(' '));
  }
  assert.equal(parseScore('0'), 0);
  assert.equal(parseScore('1'), 1);
  assert.throws(() => parseScore(''));
});

test('output paths: -o keeps the name (and sub-folder); default adds _anonymized beside the input', () => {
  assert.equal(
    outputPathFor({ file: '/in/a.JPG', relative: 'a.JPG' }, '/out'),
    path.join('/out', 'a.JPG'),
  );
  assert.equal(
    outputPathFor({ file: '/in/x/b.png', relative: 'x/b.png' }, '/out'),
    path.join('/out', 'x', 'b.png'),
  );
  assert.equal(
    outputPathFor({ file: '/in/clip.mp4', relative: 'clip.mp4' }),
    path.join('/in', 'clip_anonymized.mp4'),
  );
});

test('folders are walked for supported files, sorted, hidden entries skipped', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'veil-inputs-'));
  try {
    mkdirSync(path.join(dir, 'sub'));
    mkdirSync(path.join(dir, '.cache'));
    for (const f of ['b.jpg', 'a.PNG', 'c.txt', 'sub/d.mp4', '.cache/e.jpg', '.hidden.jpg'])
      writeFileSync(path.join(dir, f), '');
    const sut = await collectInputs([dir, path.join(dir, 'c.txt')]);
    assert.deepEqual(
      sut.map((i) => i.relative),
      ['a.PNG', 'b.jpg', path.join('sub', 'd.mp4'), 'c.txt'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
