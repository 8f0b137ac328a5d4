/// <reference lib="dom" />
// Progressive opening in Debian's Chromium against the real web shell: with a large generated CT
// (512×512×240, 126 MB) the first image is on screen and scrollable while the rest still streams in,
// a slice scrolled to before it arrived shows its voxels once it has, and Cancel stops the stream,
// closes the partial study and leaves the app ready to open the next one.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { startWebShell, type RunningWebShell } from './webShell';

const dims = [512, 512, 240] as const;
/** Every voxel of slice k holds 1000 + k: the hover readout tells which slice's voxels are shown. */
const valueOfSlice = (k: number) => 1000 + k;

function largeNifti(): Buffer {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, ...dims, 1, 1, 1, 1].forEach((d, n) => header.writeInt16LE(d, 40 + 2 * n));
  header.writeInt16LE(4, 70); // INT16
  header.writeInt16LE(16, 72);
  [1, 0.8, 0.8, 1.5, 0, 0, 0, 0].forEach((d, n) => header.writeFloatLE(d, 76 + 4 * n));
  header.writeFloatLE(352, 108);
  header.writeFloatLE(1, 112);
  header.writeUInt8(2, 123);
  // It says it is a CT: the main side needs only its header and middle slice to show it (no whole read).
  header.write('CT', 148, 'latin1');
  header.writeInt16LE(1, 254); // sform: LPS-aligned axes, k feet→head
  [-0.8, 0, 0, 0].forEach((v, n) => header.writeFloatLE(v, 280 + 4 * n));
  [0, -0.8, 0, 0].forEach((v, n) => header.writeFloatLE(v, 296 + 4 * n));
  [0, 0, 1.5, 0].forEach((v, n) => header.writeFloatLE(v, 312 + 4 * n));
  header.write('n+1\0', 344, 'latin1');
  const slice = dims[0] * dims[1];
  const voxels = new Int16Array(slice * dims[2]);
  for (let k = 0; k < dims[2]; k++) voxels.fill(valueOfSlice(k), k * slice, (k + 1) * slice);
  return Buffer.concat([header, Buffer.from(voxels.buffer)]);
}

let shell: RunningWebShell;
let browser: Browser;
let page: Page;
let work: string;
let ctPath: string;
const pageErrors: string[] = [];

async function openLarge() {
  await page.getByTestId('path-input').fill(ctPath);
  await page.getByTestId('open-path').click();
  // The new study is on screen (its first slice) once its slices' bar appears: both come together.
  await page.getByTestId('load-slices').waitFor({ timeout: 60_000 });
}

/** The voxel value under the pointer at the centre of the axial view. */
async function hoverValue(): Promise<number> {
  const box = (await page.getByTestId('axial-view').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2 + 3, box.y + box.height / 2 + 5);
  return Number.parseInt((await page.getByTestId('hover-value').textContent()) ?? '', 10);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'causal-sam-streaming-'));
  ctPath = join(work, 'large-ct.nii');
  await writeFile(ctPath, largeNifti());
  shell = await startWebShell();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Slices travel at 40 MB/s, so that "before the load finishes" holds on a fast machine too.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: 40e6,
    uploadThroughput: -1,
  });
  await page.goto(shell.url);
});

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('progressive opening', () => {
  it('shows the first image while the rest streams in, and a slice scrolled to as soon as it arrives', async () => {
    await openLarge();
    // The first image is up and the stream is still running.
    expect(await page.getByTestId('load-slices').isVisible()).toBe(true);
    const middle = Math.floor(dims[2] / 2);
    expect(await page.getByTestId('axial-slice-index').textContent()).toMatch(
      new RegExp(`^\\s*${middle + 1} / ${dims[2]}`),
    );
    expect(await hoverValue()).toBe(valueOfSlice(middle));

    // Scroll to the far end before it can have arrived: the view follows at once, the voxels when they come.
    await page.keyboard.press('End');
    await expect
      .poll(() => page.getByTestId('axial-slice-index').textContent())
      .toMatch(new RegExp(`^\\s*${dims[2]} / ${dims[2]}`));
    await expect.poll(hoverValue, { timeout: 30_000 }).toBe(valueOfSlice(dims[2] - 1));

    await page.getByTestId('load-progress').waitFor({ state: 'hidden', timeout: 120_000 });
    // Every slice arrived in its place: a few spot checks through the volume.
    for (const k of [0, 17, middle - 1, dims[2] - 2]) {
      await page.keyboard.press('Home');
      for (let n = 0; n < k; n++) await page.keyboard.press('ArrowDown');
      await expect
        .poll(() => page.getByTestId('axial-slice-index').textContent())
        .toMatch(new RegExp(`^\\s*${k + 1} /`));
      expect(await hoverValue()).toBe(valueOfSlice(k));
    }
    expect(pageErrors).toEqual([]);
  });

  it('Cancel stops the stream and closes the partly loaded study', async () => {
    await openLarge();
    await page.getByTestId('load-cancel').click();
    await page.getByTestId('load-notice').getByText('cancelled').waitFor();
    expect(await page.getByTestId('load-progress').count()).toBe(0);
    expect(await page.getByTestId('dims').count()).toBe(0);
    await page.getByTestId('series-list').getByText('No study open').waitFor();
    // Nothing keeps streaming into the closed study, and the next open works as usual.
    await page.waitForTimeout(500);
    expect(pageErrors).toEqual([]);
    await openLarge();
    expect(await hoverValue()).toBe(valueOfSlice(Math.floor(dims[2] / 2)));
  });
});
