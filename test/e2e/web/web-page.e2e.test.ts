/**
 * The web page in real headless Chromium (Debian's /usr/bin/chromium through playwright-core)
 * against a real Veil: a key typed in, a photo chosen and another dropped, costs shown,
 * approve all, live progress, before/after, download, delete; then a phone-sized screen.
 * Screenshots go to .tmp/screenshots/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { probeVideo } from '../../../src/media/ffmpeg.runtime.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, type E2E } from '../e2e-harness.ts';
import { frameAt, makeClip, root } from '../kit.ts';

const CHROMIUM = '/usr/bin/chromium';
const shots = path.join(root, '.tmp', 'screenshots');

/** Drops files on an element the way a browser does (DataTransfer with File objects). */
async function dropFiles(page: Page, selector: string, files: string[]) {
  const payload = await Promise.all(
    files.map(async (f) => ({
      name: path.basename(f),
      b64: (await readFile(f)).toString('base64'),
    })),
  );
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of list) {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
    }
    return dt;
  }, payload);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

describe('web page in headless Chromium', () => {
  let e: E2E;
  let browser: Browser;
  let downloads: string;

  before(async () => {
    // CI installs chromium (.ci/run); without it this test must fail, not skip.
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    e = await startE2E();
    downloads = await mkdtemp(path.join(tmpdir(), 'veil-web-'));
    await mkdir(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await e?.stop();
    await rm(downloads, { recursive: true, force: true });
  });

  it('uploads, approves, shows progress and before/after, downloads and deletes', async (t) => {
    const context = await browser.newContext({
      viewport: { width: 1100, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));

    await page.goto(e.veil.url);
    await page.fill('#api-key', 'not-a-key');
    await page.click('#save-key');
    await page.locator('#balance', { hasText: 'The API key was not accepted' }).waitFor();

    problems.splice(0); // the browser logs the 401s of the wrong key: expected.
    await page.fill('#api-key', e.key);
    await page.click('#save-key');
    await page.getByText('Balance: 1000 credits').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('veil.apiKey')), e.key);

    const astronaut = fixturePath('astronaut.jpg')!;
    await page.setInputFiles('#file-input', astronaut);
    await dropFiles(page, '#drop', [fixturePath('group-3-faces.jpg')!]);
    const cards = page.locator('article.file');
    await page.waitForFunction(() => document.querySelectorAll('article.file').length === 2);
    for (const name of ['astronaut.jpg', 'group-3-faces.jpg']) {
      await cards
        .filter({ hasText: name })
        .getByText('This will cost 1 credit')
        .waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: path.join(shots, 'awaiting-approval.png'), fullPage: true });
    await page.click('#approve-all');
    for (const name of ['astronaut.jpg', 'group-3-faces.jpg']) {
      await cards
        .filter({ hasText: name })
        .getByText('Done. Cost 1 credit.')
        .waitFor({ timeout: 60_000 });
    }
    await page.getByText('Balance: 998 credits').waitFor();

    // The after image is read by the browser from blob storage; the slider moves the cut.
    const card = cards.filter({ hasText: 'astronaut.jpg' });
    await card.locator('img.after').evaluate((img: HTMLImageElement) => img.decode());
    assert.ok(
      await card.locator('img.after').evaluate((img: HTMLImageElement) => img.naturalWidth === 512),
    );
    await card.locator('.compare input[type=range]').fill('80');
    assert.match(
      (await card.locator('img.before').getAttribute('style')) ?? '',
      /inset\(0(px)? 20% 0(px)? 0(px)?\)/,
    );
    await page.screenshot({ path: path.join(shots, 'done-desktop.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('link', { name: 'Download astronaut.jpg' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'astronaut.jpg');
    const saved = path.join(downloads, 'astronaut.jpg');
    await download.saveAs(saved);
    const diff = await compareRegions(
      await readFile(astronaut),
      await readFile(saved),
      truth('astronaut.jpg').faces.map((f) => f.box),
      24,
    );
    t.diagnostic(`face diff ${diff.perBox[0].toFixed(1)}, elsewhere ${diff.outside.toFixed(2)}`);
    assert.ok(diff.perBox[0] > 4 * diff.outside, 'the downloaded face is hidden, the rest kept');

    const jobId = await card.getAttribute('data-job-id');
    assert.ok(jobId);
    await card.getByRole('button', { name: 'Delete job' }).click();
    await page.waitForFunction(() => document.querySelectorAll('article.file').length === 1);
    assert.equal((await e.api(`/get_job_result/${jobId}`)).status, 404, 'deleted on the server');
    await page.getByRole('listitem').filter({ hasText: 'group-3-faces.jpg' }).waitFor();

    assert.deepEqual(problems, []);
    await context.close();
  });

  it('fits a phone-sized screen', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(e.veil.url);
    await page.fill('#api-key', e.key);
    await page.click('#save-key');
    await page.getByText(/^Balance: \d+ credits/).waitFor();
    await page.setInputFiles('#file-input', fixturePath('astronaut.jpg')!);
    await page.getByText('This will cost 1 credit').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Done. Cost 1 credit.').waitFor({ timeout: 60_000 });
    await page.locator('img.after').evaluate((img: HTMLImageElement) => img.decode());
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.equal(overflow, 0, 'no sideways scrolling');
    const box = await page.locator('#drop').boundingBox();
    assert.ok(box && box.width <= 375, 'the drop zone fits the screen');
    await page.screenshot({ path: path.join(shots, 'done-phone.png'), fullPage: true });

    // Storage unreachable past the retries: the page says so and resumes when asked.
    await page.goto(`${e.veil.url}/?upload_attempts=1`);
    const offline = (url: URL) => url.searchParams.get('comp') === 'block';
    await page.route(offline, (route) => route.abort('internetdisconnected'));
    await page.setInputFiles('#file-input', fixturePath('group-3-faces.jpg')!);
    const card = page.locator('article.file');
    await card.getByText(/Upload stopped: the connection to storage failed/).waitFor();
    await page.unroute(offline);
    await card.getByRole('button', { name: 'Resume upload' }).click();
    await card.getByText('This will cost 1 credit').waitFor({ timeout: 30_000 });
    assert.equal(await card.locator('.error').isVisible(), false, 'the error is gone');
    await context.close();
  });
  it('uploads a short video through a dropped connection, plays both, downloads', async () => {
    const clip = path.join(downloads, 'clip.mp4');
    // 1 s of the astronaut photo at 10 fps: a real H.264 MP4 with a face in every frame.
    await makeClip(clip, { seconds: 1 });
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const page = await context.newPage();
    // The first Put Block dies mid-flight, as on a flaky network; the page must send it again.
    let blockRequests = 0;
    await page.route(
      (url) => url.searchParams.get('comp') === 'block',
      (route) => (++blockRequests === 1 ? route.abort('connectionreset') : route.continue()),
    );
    await page.goto(e.veil.url);
    await page.fill('#api-key', e.key);
    await page.click('#save-key');
    await page.setInputFiles('#file-input', clip);
    await page.getByText(/This will cost \d+ credits?/).waitFor({ timeout: 30_000 });
    assert.equal(blockRequests, 2, 'the dropped block was sent again');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/Done\. Cost \d+ credits?/).waitFor({ timeout: 60_000 });

    const players = page.locator('.videos video');
    assert.equal(await players.count(), 2, 'original and result side by side');
    const durations = await players.evaluateAll((videos: HTMLVideoElement[]) =>
      Promise.all(
        videos.map((v) =>
          v.readyState >= 1
            ? v.duration
            : new Promise<number>((resolve) =>
                v.addEventListener('loadedmetadata', () => resolve(v.duration)),
              ),
        ),
      ),
    );
    for (const d of durations) assert.ok(Math.abs(d - 1) < 0.2, `plays 1 s (${d})`);
    const link = await page.locator('a[data-download="clip.mp4"]').getAttribute('href');
    const result = path.join(downloads, 'clip-result.mp4');
    await writeFile(result, Buffer.from(await (await fetch(link!)).arrayBuffer()));
    const probe = await probeVideo(result);
    assert.deepEqual([probe.width, probe.height], [512, 512]);
    const frame = (video: string) => frameAt(video, 0.5, `${video}.png`);
    const diff = await compareRegions(
      await frame(clip),
      await frame(result),
      truth('astronaut.jpg').faces.map((f) => f.box),
      24,
    );
    assert.ok(diff.perBox[0] > 4 * diff.outside, `face hidden in the video (${diff.perBox[0]})`);
    await page.screenshot({ path: path.join(shots, 'video-done.png'), fullPage: true });
    await context.close();
  });
});
