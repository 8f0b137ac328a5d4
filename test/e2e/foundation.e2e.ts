/// <reference lib="dom" />
// Foundation: the minimal renderer against the real web shell in Debian's Chromium (WebGL through
// SwiftShader). Opens the sample study, checks that the axial view shows an image that scrolls,
// that a broken file is reported by name without losing the open study, and that the page never
// talks to anything but its own loopback origin.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { decodePng, meanDifference, pixelStats, type GrayImage } from './png';
import { repoRoot, startWebShell, type RunningWebShell } from './webShell';

const artefacts = 'test-results/e2e';

let shell: RunningWebShell;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let scratch: string;
const requested: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];

async function axialPixels(name: string): Promise<GrayImage> {
  const png = await page.getByTestId('axial-view').screenshot({ path: join(artefacts, `${name}.png`) });
  return decodePng(png);
}

/** Waits until two consecutive screenshots agree, so a frame still being drawn is not measured. */
async function settledAxialPixels(name: string): Promise<GrayImage> {
  let previous = await axialPixels(name);
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.waitForTimeout(200);
    const current = await axialPixels(name);
    if (meanDifference(previous, current) < 0.01) return current;
    previous = current;
  }
  return previous;
}

const text = (testId: string) => page.getByTestId(testId).textContent();

beforeAll(async () => {
  await mkdir(artefacts, { recursive: true });
  scratch = await mkdtemp(join(tmpdir(), 'causal-sam-e2e-files-'));
  shell = await startWebShell();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  context.on('request', (request) => requested.push(request.url()));
  page = await context.newPage();
  page.on('websocket', (socket) => requested.push(socket.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(shell.url);
  await page.getByTestId('open-sample').waitFor();
});

afterAll(async () => {
  await page?.screenshot({ path: join(artefacts, 'final-page.png') }).catch(() => undefined);
  await browser?.close();
  await shell?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('foundation: a minimal renderer', () => {
  it('opens the sample study and shows its axial slice', async () => {
    await page.getByTestId('open-sample').click();
    await expect.poll(() => text('dims'), { timeout: 60_000 }).toBe('122 × 101 × 112');
    expect(await text('modality')).toMatch(/\S/);
    expect(await text('spacing')).toMatch(/mm$/);
    expect(await text('axial-slice-index')).toMatch(/^\d+ \/ \d+$/);
    expect(await text('window-level')).toBe('W 400 / L 40'); // CT soft tissue
    // Radiological convention: anterior up, the patient's right on the screen's left.
    expect([await text('axial-orientation-top'), await text('axial-orientation-left')]).toEqual(['A', 'R']);
    await expect
      .poll(async () => pixelStats(await axialPixels('sample-axial')).nonBlack)
      .toBeGreaterThan(0.05);
    const stats = pixelStats(await settledAxialPixels('sample-axial'));
    expect(stats.variance, 'the view shows structure, not a flat colour').toBeGreaterThan(50);
    await page.screenshot({ path: join(artefacts, 'sample-page.png') });
  });

  it('scrolls through slices with the mouse wheel', async () => {
    const before = await settledAxialPixels('scroll-before');
    const indexBefore = await text('axial-slice-index');
    const box = (await page.getByTestId('axial-view').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let n = 0; n < 8; n++) await page.mouse.wheel(0, 100);
    await expect.poll(() => text('axial-slice-index')).not.toBe(indexBefore);
    const after = await settledAxialPixels('scroll-after');
    expect(meanDifference(before, after), 'another slice looks different').toBeGreaterThan(0.5);
    expect(pixelStats(after).nonBlack).toBeGreaterThan(0.05);
  });

  it('changes the slice with the keyboard and window/level with a left-drag', async () => {
    const index = await text('axial-slice-index');
    await page.keyboard.press('PageDown');
    await expect.poll(() => text('axial-slice-index')).not.toBe(index);

    const windowLevel = await text('window-level');
    const box = (await page.getByTestId('axial-view').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 - 60, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => text('window-level')).not.toBe(windowLevel);
  });

  it('reports a broken file by name and keeps the open study on screen', async () => {
    const dims = await text('dims');
    const broken = join(scratch, 'broken.nii.gz');
    await writeFile(broken, Buffer.from('this is not a gzip stream, let alone a NIfTI header'));
    await page.getByTestId('path-input').fill(broken);
    await page.getByTestId('open-path').click();
    const banner = page.getByTestId('error');
    await banner.waitFor({ timeout: 60_000 });
    expect(await banner.textContent()).toContain('broken.nii.gz');
    expect(await text('dims')).toBe(dims);
    const stats = pixelStats(await settledAxialPixels('after-broken-file'));
    expect(stats.nonBlack).toBeGreaterThan(0.05);
    expect(stats.variance).toBeGreaterThan(50);
    await page.screenshot({ path: join(artefacts, 'error-banner-page.png') });
  });

  it('opens files dropped on the window, and names a dropped broken file', async () => {
    const drop = async (files: { name: string; base64: string }[]) => {
      await page.evaluate((payload) => {
        const transfer = new DataTransfer();
        for (const f of payload) {
          const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
          transfer.items.add(new File([bytes], f.name));
        }
        for (const type of ['dragenter', 'dragover', 'drop']) {
          document.body.dispatchEvent(
            new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }),
          );
        }
      }, files);
    };
    await drop([{ name: 'dropped-broken.nii.gz', base64: Buffer.from('garbage').toString('base64') }]);
    await expect
      .poll(() => page.getByTestId('error').textContent(), { timeout: 60_000 })
      .toContain('dropped-broken.nii.gz');
    expect(await text('dims')).toBe('122 × 101 × 112');

    const sample = await readFile(join(repoRoot, 'resources/sample/example_ct.nii.gz'));
    const pathBefore = await page.getByTestId('series-list').locator('button').first().getAttribute('title');
    await drop([{ name: 'example_ct.nii.gz', base64: sample.toString('base64') }]);
    // A new series replaces the old one: the series list names where it came from.
    await expect
      .poll(() => page.getByTestId('series-list').locator('button').first().getAttribute('title'), {
        timeout: 60_000,
      })
      .not.toBe(pathBefore);
    await expect.poll(() => page.getByTestId('error').count()).toBe(0);
    expect(await text('dims')).toBe('122 × 101 × 112');
    expect(pixelStats(await settledAxialPixels('after-drop')).nonBlack).toBeGreaterThan(0.05);
  });

  it('talks to nothing but its own loopback origin', async () => {
    const own = [shell.origin + '/', shell.origin.replace(/^http:/, 'ws:') + '/'];
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !own.some((prefix) => url.startsWith(prefix)))).toEqual([]);
    expect(
      requested.some((url) => url.startsWith('ws:')),
      'the contract runs over the WebSocket',
    ).toBe(true);
  });

  it('ran without page errors or content-security-policy violations', () => {
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
  });
});
