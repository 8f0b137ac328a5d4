/// <reference lib="dom" />
// Segmentation in the workstation, against the real web shell and the shipped demo model in Debian's
// Chromium: the model panel (manifest, verified, a broken copy refused with the reason), Cancel
// leaving an edited segmentation untouched, Segment giving overlays and segment rows with volumes as
// one undoable replacement, a box prompt on the axial view giving a new segment inside the box that
// is mostly the organ boxed, points, the brush still working after the
// prompt tool, and the modality choice for an image whose file names none. Screenshots are saved
// under test-results/e2e/segment-*.png.
import { cp, mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewShots } from './viewShots';
import { readingDebug, segmentRows as rowsOf } from './readingPage';
import { launchChromium } from './browser';
import { repoRoot, startWebShell, type RunningWebShell } from './webShell';

type Vec3 = [number, number, number];
type ViewId = 'axial' | 'coronal' | 'sagittal';

const artefacts = 'test-results/e2e';
const liver = 5;

let shell: RunningWebShell;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const text = async (testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').trim();
/** The text of an element that may not be there (yet): '' rather than a 30 s wait. */
const maybeText = (testId: string) =>
  page
    .getByTestId(testId)
    .textContent({ timeout: 500 })
    .then((t) => (t ?? '').trim())
    .catch(() => '');

const debug = <T>(fn: string, ...args: unknown[]) => readingDebug(page)<T>(fn, ...args);

// Created per call: the page exists only once beforeAll has run.
const shots = () => viewShots(page, artefacts, 'segment');
const settledShot = (view: string, name: string) => shots().settledShot(view, name);
const coloursAt = (png: Buffer, points: [number, number][]) => shots().coloursAt(png, points);

async function viewPoint(view: ViewId, voxel: Vec3): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId(`${view}-view`).boundingBox())!;
  const [x, y] = (await debug<[number, number]>('voxelToViewPixel', view, voxel))!;
  return { x: box.x + x, y: box.y + y };
}

const segmentRows = () => rowsOf(page);

/** A brush stroke over interior background of the current axial slice, painting the selected segment. */
async function brushStroke() {
  await page.getByTestId('tool-brush').click();
  const background = await debug<Vec3[]>('interiorVoxels', 'axial', 0, 200);
  const start = await viewPoint('axial', background[Math.floor(background.length / 2)]);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 12, start.y + 4, { steps: 4 });
  await page.mouse.up();
}

beforeAll(async () => {
  await mkdir(artefacts, { recursive: true });
  shell = await startWebShell();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(shell.url);
  await page.getByTestId('open-sample').click();
  await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
});

afterAll(async () => {
  await page?.screenshot({ path: join(artefacts, 'segment-final-page.png') }).catch(() => undefined);
  await browser?.close();
  await shell?.stop();
});

describe('segmentation in the workstation', () => {
  it('lists causal-sam-demo as verified with its manifest and the provider', async () => {
    await expect.poll(() => text('model-causal-sam-demo-status'), { timeout: 30_000 }).toBe('verified');
    await page.getByTestId('model-causal-sam-demo-manifest').locator('summary').first().click();
    expect(await text('model-causal-sam-demo-intended-use')).toContain('not for clinical use');
    expect(await text('model-causal-sam-demo-licence')).toContain('Apache-2.0');
    expect(await text('model-causal-sam-demo-classes')).toContain('liver');
    expect(await text('model-causal-sam-demo-training')).toContain('TotalSegmentator');
    expect(await text('model-causal-sam-demo-reference')).toMatch(/TotalSegmentator model outputs/);
    expect(await text('model-causal-sam-demo-scores')).toMatch(/original: mean Dice 0\.\d\d/);
    expect(await text('model-causal-sam-demo-provider')).toMatch(/^(cpu|cuda|dml|coreml)/);
    expect(await page.getByTestId('model-choice').inputValue()).toBe('causal-sam-demo');
    await page.getByTestId('model-panel').screenshot({ path: join(artefacts, 'segment-model-panel.png') });
  });

  it('refuses a model folder with a corrupted file, saying why, and installs nothing', async () => {
    const broken = join(shell.dataDir, 'broken-model');
    await cp(join(repoRoot, 'models', 'causal-sam-demo'), broken, { recursive: true });
    const handle = await open(join(broken, 'decoder.onnx'), 'r+');
    await handle.write(Buffer.from([0x13]), 0, 1, 2048);
    await handle.close();
    await page.getByTestId('model-add-path').fill(broken);
    await page.getByTestId('model-add').click();
    await expect.poll(() => text('model-add-refusal'), { timeout: 60_000 }).toMatch(/^Refused: .*sha256/);
    expect(await text('model-add-refusal')).toContain('decoder.onnx');
    // Still one model to choose from: the refused copy was not installed.
    expect(await page.getByTestId('model-choice').locator('option').count()).toBe(1);
  });

  it('offers DICOM SEG only for a DICOM source', async () => {
    await page.getByTestId('load-sample-labels').click();
    await page.getByTestId(`segment-${liver}`).waitFor({ timeout: 60_000 });
    const formats = await page.getByTestId('seg-save-format').locator('option').allTextContents();
    expect(formats).toEqual(['NIfTI']);
  });

  let edited = '';
  let editedRows: Awaited<ReturnType<typeof segmentRows>> = [];

  it('cancels a run: the study and the edited segmentation stay as they were', async () => {
    // An edited segmentation: the sample labels plus a brush stroke.
    await page.getByTestId(`segment-${liver}-name`).click();
    const before = Number(await text(`segment-${liver}-voxels`));
    await brushStroke();
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBeGreaterThan(before);
    await page.getByTestId('tool-window-level').click();
    edited = await debug<string>('labelDigest');
    editedRows = await segmentRows();

    await page.getByTestId('segment-run').click();
    await page.getByTestId('segment-progress').waitFor({ timeout: 30_000 });
    await page.getByTestId('segment-cancel').click();
    await expect.poll(() => text('segment-message'), { timeout: 10_000 }).toMatch(/cancelled.*unchanged/);
    await page.getByTestId('segment-running').waitFor({ state: 'detached' });
    expect(await debug<string>('labelDigest')).toBe(edited);
    expect(await segmentRows()).toEqual(editedRows);
    expect(await text('dims')).toBe('122 × 101 × 112');
    expect(await maybeText('error'), 'a cancel is no error').toBe('');
  });

  it('segments the study: progress, overlays, segment rows with volumes, provider and timings', async () => {
    await page.getByTestId('segment-run').click();
    await page.getByTestId('segment-progress').waitFor({ timeout: 30_000 });
    expect(await text('segment-progress')).toMatch(/./);
    await expect
      .poll(() => text('segment-status'), { timeout: 90_000 })
      .toMatch(/^causal-sam-demo 0\.1\.0 · /);
    // "cpu · 4.3 s": the provider and the run's time.
    expect(await text('segment-status')).toMatch(/· (cpu|cuda|dml|coreml) · \d+(\.\d)? (s|ms)$/);
    console.log(`segment: ${await text('segment-status')}`);
    const rows = await segmentRows();
    const liverRow = rows.find((r) => r.name === 'liver')!;
    expect(liverRow, 'the demo model finds the liver').toBeDefined();
    expect(liverRow.voxels).toBeGreaterThan(10_000);
    // 3 mm isotropic voxels: 27 µL each.
    expect(liverRow.ml).toBeCloseTo((liverRow.voxels * 27) / 1000, 0);
    expect(rows.length).toBeLessThan(editedRows.length);
    // Beside each structure, the model's out-of-distribution score: the demo CT is the scan it was
    // trained on, so every score is below 1 (not flagged), and the tooltip says what it means.
    for (const r of rows) expect(Number(await text(`segment-${r.value}-ood`)), r.name).toBeLessThan(1);
    expect(await page.getByTestId(`segment-${liverRow.value}-ood`).getAttribute('title')).toMatch(
      /^out-of-distribution score 0\.\d\d, below 1: like the training scans/,
    );
    await page.getByTestId('segment-panel').screenshot({ path: join(artefacts, 'segment-list-ood.png') });
    const result = await debug<string>('labelDigest');
    expect(result).not.toBe(edited);
    // The views jumped to what was found: the crosshair sits on a structure, so every view shows one.
    const found = await debug<number[]>('labelsAt', [await debug<Vec3>('cursor')]);
    expect(found.some((value) => value !== 0)).toBe(true);

    // The overlay: the liver's colour over interior liver voxels of an axial slice through it.
    const inLiver = await debug<Vec3[]>('interiorVoxels', 'coronal', liverRow.value, 9);
    expect(inLiver.length).toBeGreaterThan(0);
    const target = inLiver[Math.floor(inLiver.length / 2)];
    const p = await viewPoint('coronal', target);
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => debug<Vec3>('cursor')).toEqual(target);
    const axialLiver = await debug<Vec3[]>('interiorVoxels', 'axial', liverRow.value, 40);
    const cursor = await viewPoint('axial', target);
    const points: [number, number][] = [];
    const box = (await page.getByTestId('axial-view').boundingBox())!;
    for (const v of axialLiver) {
      const q = await viewPoint('axial', v);
      if (Math.abs(q.x - cursor.x) > 4 && Math.abs(q.y - cursor.y) > 4)
        points.push([q.x - box.x, q.y - box.y]);
      if (points.length >= 12) break;
    }
    expect(points.length).toBeGreaterThan(5);
    const shown = await coloursAt(await settledShot('axial', 'axial-model-liver'), points);
    for (const [r, , b] of shown) expect(r - b, `liver tint at ${r},${b}`).toBeGreaterThan(25);

    // The replacement was one edit: Undo brings back the edited segmentation, Redo the result.
    await page.getByTestId('undo').click();
    await expect.poll(() => debug<string>('labelDigest')).toBe(edited);
    expect(await segmentRows()).toEqual(editedRows);
    await page.getByTestId('redo').click();
    await expect.poll(() => debug<string>('labelDigest')).toBe(result);
    expect(await segmentRows()).toEqual(rows);
  });

  it('sends a box drawn over the liver on the axial view as a prompt on that slice', async () => {
    const rows = await segmentRows();
    const digest = await debug<string>('labelDigest');
    const slice = (await debug<Vec3>('cursor'))[2];
    const onSlice = (await debug<Vec3[]>('voxelsOf', liver)).filter((v) => v[2] === slice);
    expect(onSlice.length).toBeGreaterThan(20);
    const i0 = Math.min(...onSlice.map((v) => v[0]));
    const i1 = Math.max(...onSlice.map((v) => v[0]));
    const j0 = Math.min(...onSlice.map((v) => v[1]));
    const j1 = Math.max(...onSlice.map((v) => v[1]));

    await page.getByTestId('tool-prompt').click();
    expect(await page.getByTestId('tool-prompt').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('tool-brush').getAttribute('aria-pressed')).toBe('false');
    const from = await viewPoint('axial', [i0, j0, slice]);
    const to = await viewPoint('axial', [i1, j1, slice]);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 6 });
    await page.mouse.up();
    await page.getByTestId('prompt-box').waitFor();
    await expect
      .poll(() => text('segment-message'), { timeout: 60_000 })
      .toMatch(new RegExp(`box on axial slice ${slice + 1}`));
    await settledShot('axial', 'axial-box-prompt');
    const message = await text('segment-message');
    console.log(`box prompt [${i0},${j0}]–[${i1},${j1}] on slice ${slice}: ${message}`);
    // A mask: one new row with the next free value, its voxels on this slice inside the box and
    // mostly liver (the box was drawn around the liver's extent on this slice).
    expect(message).toMatch(/^Added /);
    const after = await segmentRows();
    expect(after).toHaveLength(rows.length + 1);
    const added = after.find((r) => !rows.some((x) => x.value === r.value))!;
    expect(added.value).toBe(Math.max(...rows.map((r) => r.value)) + 1);
    const mine = (await debug<Vec3[]>('voxelsOf', added.value)).filter((v) => v[2] === slice);
    expect(mine.length).toBeGreaterThan(20);
    const inside = mine.filter((v) => v[0] >= i0 - 2 && v[0] <= i1 + 2 && v[1] >= j0 - 2 && v[1] <= j1 + 2);
    expect(inside.length / mine.length).toBeGreaterThan(0.9);
    const liverHere = new Set(onSlice.map((v) => v.join(',')));
    const overlap = mine.filter((v) => liverHere.has(v.join(','))).length;
    const dice = (2 * overlap) / (mine.length + onSlice.length);
    console.log(`box prompt Dice with the liver on slice ${slice}: ${dice.toFixed(3)}`);
    expect(dice).toBeGreaterThan(0.5);
    await page.getByTestId('undo').click();
    await expect.poll(() => debug<string>('labelDigest')).toBe(digest);
    expect(await segmentRows()).toEqual(rows);
  });

  it('collects positive and negative points and sends them, with propagation', async () => {
    const slice = (await debug<Vec3>('cursor'))[2];
    const inLiver = await debug<Vec3[]>('interiorVoxels', 'axial', liver, 40);
    const background = await debug<Vec3[]>('interiorVoxels', 'axial', 0, 200);
    const positive = await viewPoint('axial', inLiver[0]);
    const negative = await viewPoint('axial', background[Math.floor(background.length / 2)]);
    await page.mouse.click(positive.x, positive.y);
    await page.keyboard.down('Shift');
    await page.mouse.click(negative.x, negative.y);
    await page.keyboard.up('Shift');
    expect(await text('prompt-points')).toMatch(new RegExp(`1 \\+ / 1 − on slice ${slice + 1}`));
    await page.getByTestId('prompt-point-1').waitFor();
    // Clicks with the prompt tool add points; they do not move the crosshair.
    expect((await debug<Vec3>('cursor'))[2]).toBe(slice);
    await page.getByTestId('prompt-propagate').check();
    const rows = await segmentRows();
    await page.getByTestId('prompt-send-points').click();
    await expect
      .poll(() => text('segment-message'), { timeout: 60_000 })
      .toMatch(new RegExp(`points on axial slice ${slice + 1}`));
    const message = await text('segment-message');
    console.log(`points prompt: ${message}`);
    expect(message).toMatch(/^Added /);
    expect(await segmentRows()).toHaveLength(rows.length + 1);
    await page.getByTestId('undo').click();
    await expect.poll(() => segmentRows()).toEqual(rows);
    await page.getByTestId('prompt-propagate').uncheck();
    await page.getByTestId('prompt-clear-points').click();
    await page.getByTestId('prompt-points').waitFor({ state: 'detached' });
  });

  it('keeps the brush working after the prompt tool, and the tools exclusive', async () => {
    await page.getByTestId(`segment-${liver}-name`).click();
    const before = Number(await text(`segment-${liver}-voxels`));
    await brushStroke();
    expect(await page.getByTestId('tool-brush').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('tool-prompt').getAttribute('aria-pressed')).toBe('false');
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBeGreaterThan(before);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Number(await text(`segment-${liver}-voxels`))).toBe(before);
    await page.keyboard.press('p');
    expect(await page.getByTestId('tool-prompt').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('tool-brush').getAttribute('aria-pressed')).toBe('false');
    await page.getByTestId('tool-window-level').click();
  });

  it('writes the volume report as CSV and JSON to the paths given', async () => {
    const csv = join(shell.dataDir, 'volumes.csv');
    const json = join(shell.dataDir, 'volumes.json');
    await page.getByTestId('report-csv-path').fill(csv);
    await page.getByTestId('report-json-path').fill(json);
    await page.getByTestId('report-write').click();
    await expect.poll(() => text('report-saved'), { timeout: 30_000 }).toContain('volumes.json');
    expect(await text('report-saved')).toContain('volumes.csv');
    expect(await text('report-preview')).toMatch(/^label,name,voxels,volume_ml/);
    expect(await text('report-preview')).toContain('liver');
  });

  it('asks what the image is when its file does not say, and passes the choice to the model', async () => {
    // A NIfTI of plain numbers (no HU range): the reader names no modality.
    const dims: Vec3 = [48, 40, 6];
    const header = Buffer.alloc(352);
    header.writeInt32LE(348, 0);
    [3, ...dims, 1, 1, 1, 1].forEach((d, n) => header.writeInt16LE(d, 40 + 2 * n));
    header.writeInt16LE(2, 70); // uint8
    header.writeInt16LE(8, 72);
    [1, 2, 2, 4, 0, 0, 0, 0].forEach((d, n) => header.writeFloatLE(d, 76 + 4 * n));
    header.writeFloatLE(352, 108);
    header.write('n+1\0', 344, 'latin1');
    const voxels = Buffer.alloc(dims[0] * dims[1] * dims[2]).map((_, n) => (n * 37) % 200);
    const file = join(shell.dataDir, 'unknown-modality.nii');
    await writeFile(file, Buffer.concat([header, voxels]));
    await page.getByTestId('path-input').fill(file);
    await page.getByTestId('open-path').click();
    await expect.poll(() => text('dims'), { timeout: 60_000 }).toBe('48 × 40 × 6');
    await page.getByTestId('seg-modality').waitFor();
    expect(await page.getByTestId('segment-run').isDisabled()).toBe(true);
    await page.getByTestId('seg-modality').selectOption('MR');
    expect(await page.getByTestId('segment-run').isDisabled()).toBe(false);
    await page.getByTestId('segment-run').click();
    await expect
      .poll(async () => `${await maybeText('segment-status')}|${await maybeText('segment-message')}`, {
        timeout: 60_000,
      })
      .toMatch(/causal-sam-demo|found nothing/);
    expect(await page.getByTestId('error').count()).toBe(0);
  });

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
