/// <reference lib="dom" />
// One source of truth in the reading view (issues #19 and #15), walked as a reader works in the web
// shell in Debian's Chromium with the sample CT (its labels are TotalSegmentator model outputs, not
// manual truth) and the MR DICOM slab: load → segment → undo → correct → prompt → brush → undo/redo →
// load again → save → switch study → come back. After each step one expected state — the label
// layers of the current version — is checked against everything the reader sees or keeps: the pixels
// drawn in the axial view (overlay against no overlay, at once, without changing slice), the segment
// list, the volume report, the file saved (read back from disk) and what autosave restores.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../src/main/services/imaging/nifti';
import { launchChromium } from './browser';
import { repoRoot, startWebShell, type RunningWebShell } from './webShell';
import { viewShots } from './viewShots';
import { readingDebug, segmentRows } from './readingPage';

type Vec3 = [number, number, number];
type Rgb = [number, number, number];

const artefacts = 'test-results/e2e';
const dataDir = resolve(repoRoot, '../shared/data');
const mrFolder = join(dataDir, 'niivue/vs_seg_001_t1c_dicom');
const sampleLabels = join(repoRoot, 'resources/sample/example_ct_labels.nii.gz');
const spleen = 1;
/** A step runs the model on 2 shared cores and checks several screenshots: minutes, not seconds. */
const stepTimeoutMs = 300_000;

let shell: RunningWebShell;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const text = async (testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').trim();
const debug = <T>(fn: string, ...args: unknown[]) => readingDebug(page)<T>(fn, ...args);
const shots = () => viewShots(page, artefacts, 'truth');

/** The expected state: voxels per label value of the current version's layers. */
const labelCounts = async () => new Map(await debug<[number, number][]>('labelCounts'));
const digest = () => debug<string>('labelDigest');

const listedRows = () => segmentRows(page);

async function viewPoint(voxel: Vec3): Promise<[number, number]> {
  const [x, y] = (await debug<[number, number]>('voxelToViewPixel', 'axial', voxel))!;
  return [x, y];
}

/** The list says exactly what the layers hold: one row per value present, with its count. */
async function checkListed(counts: Map<number, number>) {
  await expect
    .poll(async () =>
      Object.fromEntries((await listedRows()).filter((r) => r.voxels > 0).map((r) => [r.value, r.voxels])),
    )
    .toEqual(Object.fromEntries(counts));
}

/**
 * What the axial view draws is the current version: at voxels of up to four segments on the shown
 * slice the overlay tints the image towards the segment's colour, and at background voxels it leaves
 * the image as it is (overlay on against overlay off, same slice, same window).
 */
async function checkDrawn(step: string, values?: number[], extra: { voxel: Vec3; value: number }[] = []) {
  const colours = new Map(await debug<[number, Rgb][]>('segmentColours'));
  const counts = await labelCounts();
  const probes: { voxel: Vec3; value: number }[] = [...extra];
  // The named segments, else (or as well, where they are not on this slice) the first few that are.
  let shown = 0;
  for (const value of [...(values ?? []), ...counts.keys()]) {
    if (shown >= 4 || probes.some((p) => p.value === value)) continue;
    const inside = (await debug<Vec3[]>('interiorVoxels', 'axial', value, 3)).slice(0, 2);
    for (const voxel of inside) probes.push({ voxel, value });
    if (inside.length) shown++;
  }
  for (const voxel of (await debug<Vec3[]>('interiorVoxels', 'axial', 0, 200)).filter((_, n) => n % 67 === 0))
    probes.push({ voxel, value: 0 });
  const labelled = probes.filter((p) => p.value !== 0);
  expect(labelled.length, `${step}: segments on the axial slice`).toBeGreaterThan(0);
  const points = await Promise.all(probes.map((p) => viewPoint(p.voxel)));
  const withOverlay = await shots().coloursAt(await shots().settledShot('axial', `${step}-overlay`), points);
  await page.getByTestId('overlay-visible').uncheck();
  const without = await shots().coloursAt(await shots().settledShot('axial', `${step}-plain`), points);
  await page.getByTestId('overlay-visible').check();
  probes.forEach((p, n) => {
    const drawn = withOverlay[n];
    const plain = without[n];
    const moved = drawn.reduce((sum, c, k) => sum + Math.abs(c - plain[k]), 0);
    const where = `${step}: voxel ${p.voxel.join(',')} (label ${p.value}) drawn ${drawn} over ${plain}`;
    if (p.value === 0) {
      expect(moved, where).toBeLessThan(12);
      return;
    }
    // Half-way to the segment's colour (50 % overlay opacity): closer to it than the image was.
    const colour = colours.get(p.value)!;
    const distance = (a: number[]) => a.reduce((sum, c, k) => sum + Math.abs(c - colour[k]), 0);
    expect(moved, where).toBeGreaterThan(20);
    expect(distance(drawn), where).toBeLessThan(distance(plain));
  });
}

/** The shown volume report lists the current version's counts, updated without asking. */
async function checkReported(counts: Map<number, number>) {
  await expect
    .poll(
      async () => {
        const csv = await text('report-preview');
        const rows = csv.split('\n').slice(1).filter(Boolean);
        return Object.fromEntries(
          rows
            .map((r) => r.split(','))
            .flatMap((c) => (Number(c[2]) > 0 ? [[Number(c[0]), Number(c[2])]] : [])),
        );
      },
      { timeout: 20_000 },
    )
    .toEqual(Object.fromEntries(counts));
}

/** Every check of one step: listed, drawn, reported. Returns the step's expected state. */
async function checkStep(
  step: string,
  drawnValues?: number[],
  probes: { voxel: Vec3; value: number }[] = [],
) {
  const counts = await labelCounts();
  await checkListed(counts);
  await checkDrawn(step, drawnValues, probes);
  await checkReported(counts);
  return { counts, digest: await digest() };
}

/** Voxels per label of a label-map file as the workstation's own reader reads it back. */
async function fileCounts(path: string): Promise<Map<number, number>> {
  const voxels = readNifti({ path, bytes: new Uint8Array(await readFile(path)) }).volume.voxels;
  const counts = new Map<number, number>();
  for (const v of voxels) if (v) counts.set(Number(v), (counts.get(Number(v)) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => a[0] - b[0]));
}

async function brushOn(value: number, erase = false) {
  await page.getByTestId(`segment-${value}-name`).click();
  await page.getByTestId(erase ? 'tool-eraser' : 'tool-brush').click();
  const inside = await debug<Vec3[]>('interiorVoxels', 'axial', erase ? value : 0, 200);
  const start = await viewPoint(inside[Math.floor(inside.length / 2)]);
  const box = (await page.getByTestId('axial-view').boundingBox())!;
  await page.mouse.move(box.x + start[0], box.y + start[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + start[0] + 14, box.y + start[1] + 5, { steps: 5 });
  await page.mouse.up();
  await page.getByTestId('tool-window-level').click();
}

const currentVersion = () =>
  page
    .getByTestId('version')
    .filter({ has: page.getByTestId('version-current') })
    .locator('.label')
    .textContent();

async function openSample() {
  await page.getByTestId('open-sample').click();
  await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
}

beforeAll(async () => {
  await mkdir(artefacts, { recursive: true });
  shell = await startWebShell();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(shell.url);
  await openSample();
});

afterAll(async () => {
  await page?.screenshot({ path: join(artefacts, 'truth-final-page.png') }).catch(() => undefined);
  await browser?.close();
  await shell?.stop();
});

describe('one source of truth in the reading view', () => {
  let loaded: Awaited<ReturnType<typeof checkStep>>;
  let segmented: Awaited<ReturnType<typeof checkStep>>;
  let corrected: Awaited<ReturnType<typeof checkStep>>;

  it(
    'loads the sample labels as one undoable version, drawn, listed and reported as the file has them',
    async () => {
      await page.getByTestId('load-sample-labels').click();
      await page.getByTestId(`segment-${spleen}`).waitFor({ timeout: 60_000 });
      expect(await currentVersion()).toContain('Loaded · example_ct_labels.nii.gz');
      // Put the axial slice through the spleen, and show the report so it can be followed.
      const inSpleen = await debug<Vec3[]>('voxelsOf', spleen, 100_000);
      const middle = inSpleen[Math.floor(inSpleen.length / 2)];
      const [x, y] = await debug<[number, number]>('voxelToViewPixel', 'coronal', middle);
      const box = (await page.getByTestId('coronal-view').boundingBox())!;
      await page.mouse.click(box.x + x, box.y + y);
      // A click on the coronal view moves the axial slice (and the sagittal one) to the spleen.
      await expect.poll(async () => (await debug<Vec3>('cursor'))[2]).toBe(middle[2]);
      await page.getByTestId('report-write').click();
      await page.getByTestId('report-preview').waitFor();
      loaded = await checkStep('loaded', [spleen]);
      expect(loaded.counts).toEqual(await fileCounts(sampleLabels));
    },
    stepTimeoutMs,
  );

  it(
    'segments, and Undo brings back exactly the loaded labels, on screen and for a correction',
    async () => {
      await page.getByTestId('segment-run').click();
      await page.getByTestId('segment-message').waitFor({ timeout: 120_000 });
      expect(await text('segment-message')).toMatch(/^Found \d+ structures/);
      segmented = await checkStep('segmented', [spleen]);
      expect(segmented.digest).not.toBe(loaded.digest);

      await page.keyboard.press('Control+z');
      await expect.poll(digest).toBe(loaded.digest);
      expect(await currentVersion()).toContain('Loaded · example_ct_labels.nii.gz');
      await checkStep('undone-to-loaded', [spleen]);

      // The correction works on what is on screen: the loaded spleen, not the model's.
      const before = loaded.counts.get(spleen)!;
      await page.getByTestId('chat-input').fill('shrink the spleen by 6 mm');
      await page.getByTestId('chat-send').click();
      const card = page.getByTestId('chat-intervention').last();
      await card.waitFor({ timeout: 60_000 });
      await card.getByTestId('chat-apply').click();
      await expect.poll(() => card.getAttribute('data-state'), { timeout: 120_000 }).toBe('applied');
      const change = await card.getByTestId('chat-change').filter({ hasText: 'spleen' }).textContent();
      const [, from, to] = /(\d+) → (\d+)/.exec(change!)!;
      expect(Number(from), 'the correction started from the version on screen').toBe(before);
      corrected = await checkStep('corrected', [spleen]);
      expect(corrected.counts.get(spleen)).toBe(Number(to));
      expect(Number(to)).toBeLessThan(before);
      // Everything but the spleen is the loaded version's.
      for (const [value, n] of loaded.counts)
        if (value !== spleen) expect(corrected.counts.get(value)).toBe(n);
      // Redo after an undo is impossible now: the correction cleared the model's result from redo.
      expect(await page.getByTestId('redo').isDisabled()).toBe(true);
    },
    stepTimeoutMs,
  );

  let promptedValue = 0;
  let prompted: Awaited<ReturnType<typeof checkStep>>;
  it(
    'adds a prompted segment that the list, the views and the report all show',
    async () => {
      const slice = (await debug<Vec3>('cursor'))[2];
      const onSlice = (await debug<Vec3[]>('voxelsOf', spleen)).filter((v) => v[2] === slice);
      const [i0, i1] = [Math.min(...onSlice.map((v) => v[0])), Math.max(...onSlice.map((v) => v[0]))];
      const [j0, j1] = [Math.min(...onSlice.map((v) => v[1])), Math.max(...onSlice.map((v) => v[1]))];
      await page.getByTestId('prompt-name').fill('lesion');
      await page.getByTestId('tool-prompt').click();
      const box = (await page.getByTestId('axial-view').boundingBox())!;
      const from = await viewPoint([i0, j0, slice]);
      const to = await viewPoint([i1, j1, slice]);
      await page.mouse.move(box.x + from[0], box.y + from[1]);
      await page.mouse.down();
      await page.mouse.move(box.x + to[0], box.y + to[1], { steps: 6 });
      await page.mouse.up();
      await page.getByTestId('segment-message').waitFor({ timeout: 120_000 });
      await expect.poll(() => text('segment-message'), { timeout: 120_000 }).toMatch(/^Added lesion/);
      await page.getByTestId('tool-window-level').click();
      const rows = await listedRows();
      promptedValue = rows.find((r) => r.name === 'lesion')!.value;
      expect(await currentVersion()).toContain('Prompt · lesion');
      prompted = await checkStep('prompted', [promptedValue]);
    },
    stepTimeoutMs,
  );

  let brushed: Awaited<ReturnType<typeof checkStep>>;
  it(
    'draws a brush stroke at once, and an undone stroke disappears at once (no slice change)',
    async () => {
      const before = prompted;
      // Picking the segment brings it into view (its densest slice); the stroke must not move it.
      await page.getByTestId(`segment-${spleen}-name`).click();
      const slice = (await debug<Vec3>('cursor'))[2];
      const key = (v: Vec3) => v.join(',');
      const spleenHere = async () => (await debug<Vec3[]>('voxelsOf', spleen)).filter((v) => v[2] === slice);
      const was = new Set((await spleenHere()).map(key));
      // Every voxel of the slice as it was: what the stroke painted over comes back on Undo.
      const dims = (await text('dims')).split(' × ').map(Number);
      const sliceVoxels: Vec3[] = [];
      for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) sliceVoxels.push([i, j, slice]);
      const labelsBefore = await debug<number[]>('labelsAt', sliceVoxels);
      const beforeAt = (v: Vec3) => labelsBefore[v[0] + dims[0] * v[1]];
      await brushOn(spleen);
      await expect
        .poll(async () => (await labelCounts()).get(spleen))
        .toBeGreaterThan(before.counts.get(spleen)!);
      expect((await debug<Vec3>('cursor'))[2], 'the slice did not change').toBe(slice);
      // The painted voxels themselves are drawn in the spleen's colour, and drawn plain once undone.
      const painted = (await spleenHere()).filter((v) => !was.has(key(v)));
      expect(painted.length).toBeGreaterThan(3);
      const probes = painted.filter((_, n) => n % Math.ceil(painted.length / 4) === 0);
      brushed = await checkStep(
        'brushed',
        [spleen],
        probes.map((voxel) => ({ voxel, value: spleen })),
      );

      await page.keyboard.press('Control+z');
      await expect.poll(digest).toBe(before.digest);
      await checkStep(
        'brush-undone',
        [spleen],
        probes.map((voxel) => ({ voxel, value: beforeAt(voxel) })),
      );
      await page.keyboard.press('Control+y');
      await expect.poll(digest).toBe(brushed.digest);
      await checkStep(
        'brush-redone',
        [spleen],
        probes.map((voxel) => ({ voxel, value: spleen })),
      );
    },
    stepTimeoutMs,
  );

  let savedPath = '';
  it(
    'loads labels again as one version (Undo goes back), saves the current version and asks before overwriting',
    async () => {
      await page.getByTestId('load-sample-labels').click();
      await expect.poll(digest, { timeout: 60_000 }).toBe(loaded.digest);
      expect(await currentVersion()).toContain('Loaded · example_ct_labels.nii.gz');
      await page.keyboard.press('Control+z');
      await expect.poll(digest).toBe(brushed.digest);
      const shown = await checkStep('before-save', [spleen, promptedValue]);

      savedPath = join(shell.dataDir, 'truth-ct.nii.gz');
      // A name ending in .dcm asks for DICOM SEG, which this NIfTI study cannot have: said, not done.
      await page.getByTestId('seg-save-path').fill(join(shell.dataDir, 'truth-ct.dcm'));
      expect(await text('seg-save-problem')).toMatch(/DICOM SEG needs a study opened from DICOM/);
      expect(await page.getByTestId('seg-save').isDisabled()).toBe(true);
      await page.getByTestId('seg-save-path').fill(savedPath);
      await page.getByTestId('seg-save').click();
      await expect.poll(() => text('seg-saved'), { timeout: 60_000 }).toContain('truth-ct.nii.gz');
      expect(await fileCounts(savedPath), 'the saved file holds what is on screen').toEqual(shown.counts);

      // Saving again over the file asks first; Cancel leaves the file alone.
      const written = (await stat(savedPath)).mtimeMs;
      await page.getByTestId('seg-save').click();
      await page.getByTestId('seg-overwrite').waitFor({ timeout: 30_000 });
      expect(await text('seg-overwrite')).toContain('truth-ct.nii.gz already exists');
      await page.getByTestId('seg-overwrite-no').click();
      expect((await stat(savedPath)).mtimeMs).toBe(written);
    },
    stepTimeoutMs,
  );

  it(
    'keeps each study its own save target, presets and segmentation; coming back restores what was last shown',
    async () => {
      const lastShown = { counts: await labelCounts(), digest: await digest() };
      const lastLabel = (await currentVersion())!;
      // Autosave: two seconds after the last change.
      await page.getByTestId('session-saved').waitFor({ timeout: 30_000 });

      await page.getByTestId('path-input').fill(mrFolder);
      await page.getByTestId('open-path').click();
      await page.getByTestId('dims').getByText('512 × 512 × 24').waitFor({ timeout: 120_000 });
      expect(await listedRows()).toEqual([]);
      expect(
        await page.getByTestId('seg-save-path').inputValue(),
        'the CT save target stays with the CT',
      ).toBe('');
      expect(await page.getByTestId('preset-soft-tissue').isDisabled(), 'HU presets off on MR').toBe(true);
      expect(await page.getByTestId('preset-auto').isDisabled()).toBe(false);
      // A DICOM SEG name chooses the DICOM SEG format on a DICOM study.
      await page.getByTestId('seg-save-path').fill(join(shell.dataDir, 'b_mr.dcm'));
      expect(await page.getByTestId('seg-save-format').inputValue()).toBe('dicom-seg');
      await page.getByTestId('seg-save-format').selectOption('nifti');
      expect(await page.getByTestId('seg-save-path').inputValue()).toBe(join(shell.dataDir, 'b_mr.nii.gz'));

      // Back to the CT from Recent (listed once, however its path was typed).
      const items = await page.getByTestId('recent-item').allTextContents();
      expect(items.filter((t) => t.includes('example_ct.nii.gz'))).toHaveLength(1);
      await page.getByTestId('recent-item').filter({ hasText: 'example_ct.nii.gz' }).click();
      await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
      await page.getByTestId('session-restored').waitFor({ timeout: 60_000 });
      await expect.poll(digest).toBe(lastShown.digest);
      expect(await text('session-restored-label')).toBe(lastLabel.trim());
      expect(await page.getByTestId('seg-save-path').inputValue()).toBe(savedPath);
      await page.getByTestId('report-write').click();
      await checkStep('restored', [spleen]);

      // The alternative: the study without the restored session, and back.
      await page.getByTestId('session-show-without').click();
      await expect.poll(async () => (await labelCounts()).size).toBe(0);
      await page.getByTestId('session-show-restored').click();
      await expect.poll(digest).toBe(lastShown.digest);
    },
    stepTimeoutMs,
  );

  it(
    'places a label map by patient coordinates, refusing one that lies outside the study',
    async () => {
      const before = await digest();
      await page.getByTestId('seg-load-path').fill(join(dataDir, 'pyradiomics/breast1_label.nrrd'));
      await page.getByTestId('seg-load').click();
      await expect
        .poll(() => text('error'), { timeout: 60_000 })
        .toMatch(/breast1_label\.nrrd.*outside this study/);
      expect(await digest(), 'nothing the reader had is lost').toBe(before);
    },
    stepTimeoutMs,
  );

  it(
    'names the study by its file in the audit log, and ran without page errors',
    async () => {
      const audit = (await readFile(join(shell.dataDir, 'audit', 'interventions.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { study?: { path: string } });
      expect(audit.length).toBeGreaterThan(0);
      for (const line of audit)
        expect(relative(repoRoot, line.study!.path)).toBe('resources/sample/example_ct.nii.gz');
      expect(pageErrors).toEqual([]);
    },
    stepTimeoutMs,
  );
});
