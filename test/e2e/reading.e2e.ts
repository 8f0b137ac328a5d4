/// <reference lib="dom" />
// The reading view against the real web shell in Debian's Chromium: the 2×2 layout with correct
// orientation letters, the sample label map as an overlay (its colour inside the liver's voxels,
// gone when hidden), W/L presets, linked crosshairs, brush and undo, hover readout, saving, the
// maximise toggle, and no growth in vtk objects or JS heap over ten re-opened studies. Screenshots
// of each view are saved under test-results/e2e/reading-*.png.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewShots } from './viewShots';
import { decodePng, meanDifference, pixelStats } from './png';
import { launchChromium } from './browser';
import { startWebShell, type RunningWebShell } from './webShell';

type Vec3 = [number, number, number];
type ViewId = 'axial' | 'coronal' | 'sagittal';

const artefacts = 'test-results/e2e';

/**
 * A small synthetic NIfTI-1 whose voxel axes point along the given LPS directions (1 mm voxels):
 * a bright block in one corner so the views are not blank.
 */
function syntheticNifti(axesLps: Vec3[]): Buffer {
  const dims: Vec3 = [40, 32, 24];
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, ...dims, 1, 1, 1, 1].forEach((d, n) => header.writeInt16LE(d, 40 + 2 * n));
  header.writeInt16LE(4, 70);
  header.writeInt16LE(16, 72);
  [1, 1, 1, 1, 0, 0, 0, 0].forEach((d, n) => header.writeFloatLE(d, 76 + 4 * n));
  header.writeFloatLE(352, 108);
  header.writeFloatLE(1, 112);
  header.writeUInt8(2, 123);
  header.writeInt16LE(1, 254);
  // sform rows are RAS: x and y flip sign from LPS; column n is the direction of index n.
  const ras = axesLps.map(([l, p, s]) => [-l, -p, s]);
  for (let row = 0; row < 3; row++) {
    [ras[0][row], ras[1][row], ras[2][row], 0].forEach((v, n) =>
      header.writeFloatLE(v + 0, 280 + 16 * row + 4 * n),
    );
  }
  header.write('n+1\0', 344, 'latin1');
  const voxels = new Int16Array(dims[0] * dims[1] * dims[2]).map((_, n) => {
    const i = n % dims[0];
    const j = Math.floor(n / dims[0]) % dims[1];
    return i < 12 && j < 10 ? 900 : 40 + ((n * 7919) % 50);
  });
  return Buffer.concat([header, Buffer.from(voxels.buffer)]);
}
let shell: RunningWebShell;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const text = (testId: string) => page.getByTestId(testId).textContent();
const liver = 5;

// Created per call: the page exists only once beforeAll has run.
const shots = () => viewShots(page, artefacts, 'reading');
const viewShot = (view: string, name: string) => shots().viewShot(view, name);
const settledShot = (view: string, name: string) => shots().settledShot(view, name);
const coloursAt = (png: Buffer, points: [number, number][]) => shots().coloursAt(png, points);

const debug = <T>(fn: string, ...args: unknown[]) =>
  page.evaluate(
    ({ fn, args }) =>
      (window as unknown as Record<string, Record<string, (...a: unknown[]) => T>>).__readingDebug[fn](
        ...args,
      ),
    { fn, args },
  );

async function voxelPixel(view: ViewId, voxel: Vec3): Promise<[number, number]> {
  return (await debug<[number, number]>('voxelToViewPixel', view, voxel))!;
}

async function clickVoxel(view: ViewId, voxel: Vec3) {
  const box = (await page.getByTestId(`${view}-view`).boundingBox())!;
  const [x, y] = await voxelPixel(view, voxel);
  await page.mouse.click(box.x + x, box.y + y);
}

/** Interior liver voxels on a view's slice, away from the crosshair lines drawn over the image. */
async function liverPixels(view: ViewId, max = 16): Promise<[number, number][]> {
  const voxels = await debug<Vec3[]>('interiorVoxels', view, liver, 60);
  const cursor = await debug<Vec3>('cursor');
  const [cx, cy] = await voxelPixel(view, cursor);
  const out: [number, number][] = [];
  for (const v of voxels) {
    const [x, y] = await voxelPixel(view, v);
    if (Math.abs(x - cx) > 4 && Math.abs(y - cy) > 4) out.push([x, y]);
    if (out.length >= max) break;
  }
  return out;
}

beforeAll(async () => {
  await mkdir(artefacts, { recursive: true });
  shell = await startWebShell();
  browser = await launchChromium(['--js-flags=--expose-gc', '--enable-precise-memory-info']);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(shell.url);
  await page.getByTestId('open-sample').click();
  await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
});

afterAll(async () => {
  await page?.screenshot({ path: join(artefacts, 'reading-final-page.png') }).catch(() => undefined);
  await browser?.close();
  await shell?.stop();
});

describe('reading view', () => {
  it('shows axial, coronal, sagittal and 3D with radiological orientation letters', async () => {
    const letters = async (view: ViewId) =>
      Promise.all(['top', 'left', 'right', 'bottom'].map((edge) => text(`${view}-orientation-${edge}`)));
    expect(await letters('axial')).toEqual(['A', 'R', 'L', 'P']);
    expect(await letters('coronal')).toEqual(['S', 'R', 'L', 'I']);
    expect(await letters('sagittal')).toEqual(['S', 'A', 'P', 'I']);
    for (const view of ['axial', 'coronal', 'sagittal'] as const) {
      expect(await text(`${view}-slice-index`)).toMatch(/^\d+ \/ \d+$/);
      expect(await text(`${view}-slice-position`)).toMatch(/^[SIAPLR] \d+\.\d mm$/);
      const stats = pixelStats(decodePng(await settledShot(view, view)));
      expect(stats.nonBlack, `${view} shows an image`).toBeGreaterThan(0.05);
      expect(stats.variance).toBeGreaterThan(50);
    }
    await expect
      .poll(async () => pixelStats(decodePng(await viewShot('3d', '3d'))).nonBlack, { timeout: 60_000 })
      .toBeGreaterThan(0.05);
    await settledShot('3d', '3d');
  });

  it('loads the sample label map and lists its segments with voxels and mL', async () => {
    await page.getByTestId('load-sample-labels').click();
    await page.getByTestId(`segment-${liver}`).waitFor({ timeout: 60_000 });
    expect(await text(`segment-${liver}-name`)).toContain('liver');
    expect(Number(await text(`segment-${liver}-voxels`))).toBeGreaterThan(1000);
    // 3 mm isotropic voxels: 27 µL each.
    const voxels = Number(await text(`segment-${liver}-voxels`));
    expect(Number(await text(`segment-${liver}-ml`))).toBeCloseTo((voxels * 27) / 1000, 0);
  });

  it('leaves no growth in vtk objects or JS heap after ten studies opened in a row', async () => {
    const measure = () =>
      page.evaluate(() => {
        const page = window as unknown as { gc?: () => void; __vtkLiveObjects?: () => number };
        page.gc?.();
        const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
        return { vtk: page.__vtkLiveObjects?.() ?? -1, heap: memory?.usedJSHeapSize ?? 0 };
      });
    const currentVersion = () =>
      page
        .getByTestId('version')
        .filter({ has: page.getByTestId('version-current') })
        .locator('.label')
        .textContent({ timeout: 1_000 })
        .catch(() => '');
    const openAgain = async () => {
      await page.getByTestId('open-sample').click();
      // The same study again: the labels last shown come back from autosave, as one version …
      await expect.poll(currentVersion, { timeout: 60_000 }).toMatch(/^Restored · autosave/);
      // … and loading them once more is another version on top.
      await page.getByTestId('load-sample-labels').click();
      await expect.poll(currentVersion, { timeout: 60_000 }).toMatch(/^Loaded · example_ct_labels/);
      await page.getByTestId(`segment-${liver}`).waitFor({ timeout: 60_000 });
      await page.waitForTimeout(300);
    };
    // Surfaces for the 3D view are built in the background: measure once their count has settled.
    const settled = async () => {
      let previous = await measure();
      for (let n = 0; n < 60; n++) {
        await page.waitForTimeout(500);
        const current = await measure();
        if (current.vtk === previous.vtk) return current;
        previous = current;
      }
      return previous;
    };
    for (let n = 0; n < 2; n++) await openAgain();
    const warm = await settled();
    for (let n = 0; n < 10; n++) await openAgain();
    const after = await settled();
    console.log(
      `leak check: vtk objects ${warm.vtk} → ${after.vtk}, JS heap ${warm.heap} → ${after.heap} bytes`,
    );
    expect(after.vtk).toBe(warm.vtk);
    expect(after.heap - warm.heap, `heap ${warm.heap} → ${after.heap}`).toBeLessThan(16 * 1024 ** 2);
  }, 400_000);

  it('moves the other views to a click (linked crosshairs)', async () => {
    // Click on the liver in the coronal view: the axial view then shows a slice through the liver.
    const inLiver = await debug<Vec3[]>('interiorVoxels', 'coronal', liver, 9);
    expect(inLiver.length).toBeGreaterThan(0);
    const target = inLiver[Math.floor(inLiver.length / 2)];
    const axialBefore = await text('axial-slice-index');
    await clickVoxel('coronal', target);
    await expect.poll(() => debug<Vec3>('cursor')).toEqual(target);
    expect(await text('axial-slice-index')).not.toBe(axialBefore);

    // Now a click in the axial view moves the coronal and sagittal slices to the clicked voxel.
    const axialLiver = await debug<Vec3[]>('interiorVoxels', 'axial', liver, 40);
    const elsewhere = axialLiver.find((v) => v[0] !== target[0] && v[1] !== target[1])!;
    const [coronalBefore, sagittalBefore] = [
      await text('coronal-slice-index'),
      await text('sagittal-slice-index'),
    ];
    await clickVoxel('axial', elsewhere);
    await expect.poll(() => debug<Vec3>('cursor')).toEqual(elsewhere);
    expect(await text('coronal-slice-index')).not.toBe(coronalBefore);
    expect(await text('sagittal-slice-index')).not.toBe(sagittalBefore);
    expect(await text('coronal-slice-index')).toBe(`${elsewhere[1] + 1} / 101`);
    expect(await text('sagittal-slice-index')).toBe(`${elsewhere[0] + 1} / 122`);
    for (const view of ['axial', 'coronal', 'sagittal'] as const) await settledShot(view, `${view}-labels`);
  });

  it("colours the liver's voxels in the axial view, and hiding the liver removes the colour", async () => {
    const points = await liverPixels('axial');
    expect(points.length).toBeGreaterThan(5);
    const shown = await coloursAt(await settledShot('axial', 'axial-liver-shown'), points);
    // Liver is (221, 130, 101) at 50% over grey: red well above blue; bare grey CT has r ≈ b.
    for (const [r, , b] of shown) expect(r - b, `liver tint at ${r},${b}`).toBeGreaterThan(25);

    await page.getByTestId(`segment-${liver}-visible`).uncheck();
    const hidden = await coloursAt(await settledShot('axial', 'axial-liver-hidden'), points);
    for (const [r, g, b] of hidden) expect(Math.max(Math.abs(r - b), Math.abs(r - g))).toBeLessThan(6);

    await page.getByTestId(`segment-${liver}-visible`).check();
    const again = await coloursAt(await settledShot('axial', 'axial-liver-shown-again'), points);
    for (const [r, , b] of again) expect(r - b).toBeGreaterThan(25);
  });

  it('shows the label and the HU value under the pointer', async () => {
    const [x, y] = (await liverPixels('axial', 1))[0];
    const box = (await page.getByTestId('axial-view').boundingBox())!;
    await page.mouse.move(box.x + x, box.y + y);
    await expect.poll(() => text('hover-label')).toBe('liver');
    expect(await text('hover-value')).toMatch(/^-?\d+ HU$/);
  });

  it('changes the displayed pixel statistics with a W/L preset', async () => {
    await page.getByTestId('overlay-visible').uncheck();
    await page.getByTestId('preset-soft-tissue').click();
    expect(await text('window-level')).toBe('W 400 / L 40');
    const soft = decodePng(await settledShot('axial', 'axial-soft-tissue'));
    await page.keyboard.press('4'); // bone
    expect(await text('window-level')).toBe('W 1800 / L 400');
    const bone = decodePng(await settledShot('axial', 'axial-bone'));
    const mean = (luma: Float32Array) => luma.reduce((a, v) => a + v, 0) / luma.length;
    expect(mean(soft.luma) - mean(bone.luma), 'a bone window darkens soft tissue').toBeGreaterThan(5);
    expect(meanDifference(soft, bone)).toBeGreaterThan(5);
    expect(pixelStats(bone).variance).not.toBeCloseTo(pixelStats(soft).variance, 0);
    await page.getByTestId('preset-lung').click();
    expect(await text('window-level')).toBe('W 1500 / L -600');
    await page.getByTestId('preset-soft-tissue').click();
    await page.getByTestId('overlay-visible').check();
  });

  it('adds voxels to the selected segment with a brush stroke, and undo removes exactly them', async () => {
    await page.getByTestId(`segment-${liver}-name`).click();
    await page.getByTestId('tool-brush').click();
    const before = Number(await text(`segment-${liver}-voxels`));
    const digest = await debug<string>('labelDigest');

    // Paint over background next to the liver: interior background voxels of the axial slice.
    const background = await debug<Vec3[]>('interiorVoxels', 'axial', 0, 200);
    const start = background[Math.floor(background.length / 2)];
    const box = (await page.getByTestId('axial-view').boundingBox())!;
    const [x, y] = await voxelPixel('axial', start);
    await page.mouse.move(box.x + x, box.y + y);
    await page.mouse.down();
    await page.mouse.move(box.x + x + 12, box.y + y + 4, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBeGreaterThan(before);
    const painted = Number(await text(`segment-${liver}-voxels`));
    expect(await debug<string>('labelDigest')).not.toBe(digest);
    await settledShot('axial', 'axial-brushed');

    await page.keyboard.press('Control+z');
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBe(before);
    expect(await debug<string>('labelDigest'), 'undo restores every voxel').toBe(digest);
    await page.getByTestId('redo').click();
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBe(painted);
    await page.getByTestId('undo').click();
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBe(before);
    await page.getByTestId('tool-window-level').click();
  });

  it('shows the segments as surfaces in the 3D view', async () => {
    expect(await page.getByTestId('volume-preset').inputValue()).toBe('ct-bone');
    await page.getByTestId('volume-enabled').uncheck();
    // Surfaces are built one segment per task in the background; wait for a coloured picture.
    await expect
      .poll(async () => pixelStats(decodePng(await viewShot('3d', '3d-surfaces'))).nonBlack, {
        timeout: 60_000,
      })
      .toBeGreaterThan(0.1);
    const withSurfaces = decodePng(await settledShot('3d', '3d-surfaces'));
    await page.getByTestId('surfaces-enabled').uncheck();
    const without = decodePng(await settledShot('3d', '3d-empty'));
    // Only the view's controls (preset menu, switches) are left.
    expect(pixelStats(without).nonBlack).toBeLessThan(0.05);
    expect(meanDifference(withSurfaces, without)).toBeGreaterThan(5);
    await page.getByTestId('surfaces-enabled').check();
    await page.getByTestId('volume-enabled').check();
    await settledShot('3d', '3d-surfaces-and-bone');
  });

  it('lists the keyboard shortcuts in a help panel', async () => {
    await page.keyboard.press('?');
    await page.getByTestId('help-panel').waitFor();
    expect(await text('help-panel')).toContain('Undo');
    await page.getByTestId('help-close').click();
    await page.getByTestId('help-panel').waitFor({ state: 'detached' });
  });

  it('saves the segmentation as NIfTI through the contract', async () => {
    const out = join(shell.dataDir, 'reading-saved.nii.gz');
    await page.getByTestId('seg-save-path').fill(out);
    await page.getByTestId('seg-save').click();
    await expect.poll(() => text('seg-saved'), { timeout: 60_000 }).toContain('reading-saved.nii.gz');
    await access(out);
  });

  it('maximises one view and restores the 2×2 layout', async () => {
    const small = (await page.getByTestId('axial-view').boundingBox())!;
    await page.getByTestId('axial-maximise').click();
    await expect.poll(() => page.getByTestId('coronal-view').isVisible()).toBe(false);
    const large = (await page.getByTestId('axial-view').boundingBox())!;
    expect(large.width).toBeGreaterThan(small.width * 1.8);
    await settledShot('axial', 'axial-maximised');
    await page.keyboard.press('m');
    await expect.poll(() => page.getByTestId('coronal-view').isVisible()).toBe(true);
  });

  it('writes orientation letters right for identity, flipped and 30° oblique volumes', async () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const cases: { name: string; axes: Vec3[]; axial: string[]; coronal: string[]; sagittal: string[] }[] = [
      {
        name: 'identity',
        axes: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        axial: ['A', 'R', 'L', 'P'],
        coronal: ['S', 'R', 'L', 'I'],
        sagittal: ['S', 'A', 'P', 'I'],
      },
      {
        name: 'flipped',
        axes: [
          [-1, 0, 0],
          [0, -1, 0],
          [0, 0, -1],
        ],
        axial: ['A', 'R', 'L', 'P'],
        coronal: ['S', 'R', 'L', 'I'],
        sagittal: ['S', 'A', 'P', 'I'],
      },
      {
        name: 'oblique-30',
        axes: [
          [c, s, 0],
          [-s, c, 0],
          [0, 0, 1],
        ],
        axial: ['AL', 'RA', 'LP', 'PR'],
        coronal: ['S', 'RA', 'LP', 'I'],
        sagittal: ['S', 'AL', 'PR', 'I'],
      },
    ];
    for (const testCase of cases) {
      const file = join(shell.dataDir, `synthetic-${testCase.name}.nii`);
      await writeFile(file, syntheticNifti(testCase.axes));
      await page.getByTestId('path-input').fill(file);
      await page.getByTestId('open-path').click();
      await expect.poll(() => text('dims'), { timeout: 60_000 }).toBe('40 × 32 × 24');
      await expect
        .poll(() => page.getByTestId('series-list').locator('button').first().getAttribute('title'))
        .toContain(`synthetic-${testCase.name}`);
      for (const view of ['axial', 'coronal', 'sagittal'] as const) {
        const letters = await Promise.all(
          ['top', 'left', 'right', 'bottom'].map((edge) => text(`${view}-orientation-${edge}`)),
        );
        expect(letters, `${testCase.name} ${view}`).toEqual(testCase[view]);
      }
      await page.screenshot({ path: join(artefacts, `reading-synthetic-${testCase.name}.png`) });
    }
  });

  it("restores a study's edits when it is opened again after a reload (session autosave)", async () => {
    await page.getByTestId('open-sample').click();
    // The sample is already on screen: wait for this open to replace it (the button is disabled
    // meanwhile), or the labels would load onto the study being replaced.
    await expect.poll(() => page.getByTestId('open-sample').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
    await page.getByTestId('load-sample-labels').click();
    await page.getByTestId(`segment-${liver}`).waitFor({ timeout: 60_000 });
    await page.getByTestId(`segment-${liver}-name`).click();
    await page.getByTestId('tool-brush').click();
    const before = Number(await text(`segment-${liver}-voxels`));
    const background = await debug<Vec3[]>('interiorVoxels', 'axial', 0, 200);
    const box = (await page.getByTestId('axial-view').boundingBox())!;
    const [x, y] = await voxelPixel('axial', background[Math.floor(background.length / 3)]);
    await page.mouse.move(box.x + x, box.y + y);
    await page.mouse.down();
    await page.mouse.move(box.x + x + 10, box.y + y + 6, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBeGreaterThan(before);
    const painted = Number(await text(`segment-${liver}-voxels`));
    const digest = await debug<string>('labelDigest');
    const strokeEnded = Date.now();
    await page.getByTestId('tool-window-level').click();
    // Autosave runs two seconds after the last edit: wait for the stroke's own save. A save of the
    // loaded labels still in flight when the stroke ended is stamped earlier than that.
    await expect
      .poll(
        async () => {
          const stamp = await page
            .getByTestId('session-saved')
            .locator('time')
            .getAttribute('datetime', { timeout: 1_000 })
            .catch(() => null);
          return stamp ? Date.parse(stamp) : 0;
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(strokeEnded + 1_500);

    // A reload loses everything the page held: what comes back was saved on the main side.
    await page.reload();
    await page.getByTestId('open-sample').click();
    await page.getByTestId('session-restored').waitFor({ timeout: 60_000 });
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBe(painted);
    expect(await debug<string>('labelDigest'), 'every edited voxel comes back').toBe(digest);
  });

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
