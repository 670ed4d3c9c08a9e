import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Box } from '../../../src/engine/types.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { regionChange } from '../image/region-change.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'veil-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function veil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(root, 'bin', 'veil.js'), ...args],
      {
        cwd: dir,
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const group = fixturePath('group-3-faces.jpg')!;
const astronaut = fixturePath('astronaut.jpg')!;

function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

test('anonymize -o writes each result under its own name; faces changed, the rest untouched', async () => {
  const outDir = path.join(dir, 'out');
  const r = await veil(
    'anonymize',
    group,
    astronaut,
    '-o',
    outDir,
    '--detections',
    'detections.json',
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /group-3-faces\.jpg -> .*out\/group-3-faces\.jpg: [3-9] faces, 0 plates \(1920x1280\) in \d+ ms/,
  );
  assert.match(lines[1], /astronaut\.jpg: 1 face, 0 plates/);
  const faces = truth('group-3-faces.jpg').faces.map((f) => f.box);
  const change = await regionChange(group, path.join(outDir, 'group-3-faces.jpg'), faces);
  for (const c of change.inside)
    assert.ok(c.detailKept < 0.25 && c.meanAbsDiff > 8, JSON.stringify(c));
  assert.ok(change.outside.meanAbsDiff < 1.5, String(change.outside.meanAbsDiff));
  const doc = JSON.parse(readFileSync(path.join(dir, 'detections.json'), 'utf8'));
  assert.equal(doc.files.length, 2);
  assert.equal(doc.files[1].frames[0].objects[0].cls, 'face');
});

test('folders are walked; without -o results land beside inputs; one bad file fails alone', async () => {
  const folder = path.join(dir, 'album');
  mkdirSync(path.join(folder, 'sub'), { recursive: true });
  copyFileSync(astronaut, path.join(folder, 'a.jpg'));
  await sharp(astronaut)
    .png()
    .toFile(path.join(folder, 'sub', 'b.png'));
  writeFileSync(path.join(folder, 'notes.txt'), 'not media');
  writeFileSync(path.join(folder, 'broken.jpg'), readFileSync(astronaut).subarray(0, 3000));
  const r = await veil('anonymize', folder, '--style', 'pixelate', '--no-lp');
  assert.equal(r.code, 1);
  assert.ok(existsSync(path.join(folder, 'a_anonymized.jpg')));
  assert.ok(existsSync(path.join(folder, 'sub', 'b_anonymized.png')));
  assert.ok(!existsSync(path.join(folder, 'notes_anonymized.txt')));
  assert.match(r.stderr, /error: .*broken\.jpg: .*(corrupt|decode)/i);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout.trim().split('\n').length, 2);
});

test('bad arguments and unsupported files give a clear message and a non-zero exit', async () => {
  const bad = await veil('anonymize', astronaut, '--threshold', '2');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--threshold.*must be a number from 0 to 1/);
  writeFileSync(path.join(dir, 'doc.pdf'), '%PDF-1.4');
  const pdf = await veil('anonymize', path.join(dir, 'doc.pdf'), '-o', path.join(dir, 'pdf-out'));
  assert.equal(pdf.code, 1);
  assert.match(pdf.stderr, /Unsupported file type \(\.pdf\)/);
  const same = await veil('anonymize', path.join(dir, 'doc.pdf'), '-o', dir);
  assert.equal(same.code, 1);
  assert.match(same.stderr, /would overwrite the input/);
  assert.equal(readFileSync(path.join(dir, 'doc.pdf'), 'utf8'), '%PDF-1.4');
  assert.doesNotMatch(pdf.stderr, /\n\s+at /);
});

test('detect --json prints boxes, scores and classes per file', async () => {
  const r = await veil('detect', group, astronaut, '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Array<{
    file: string;
    width: number;
    detections: Array<{ cls: string; score: number; box: Box }>;
  }>;
  assert.equal(doc.length, 2);
  assert.equal(doc[0].width, 1920);
  for (const t of truth('group-3-faces.jpg').faces) {
    assert.ok(
      doc[0].detections.some((d) => d.cls === 'face' && d.score >= 0.5 && iou(d.box, t.box) > 0.3),
      JSON.stringify(t.box),
    );
  }
  assert.equal(doc[1].detections.filter((d) => d.cls === 'face').length, 1);
  const text = await veil('detect', astronaut, '--no-faces');
  assert.match(text.stdout, /astronaut\.jpg: 0 found/);
});
