/// <reference lib="dom" />
// The correction chat (issues #6 and #8) against the real web shell in Debian's Chromium, with the
// sample CT and its TotalSegmentator labels: a typed command comes back as a readable line, Apply
// changes the liver only on the slices of the region, Undo restores every voxel, an ambiguous
// command gets a question; then a command spoken by espeak-ng, fed to Chromium as its fake
// microphone, is pushed-to-talk into the input box, applied, and with "apply directly" on applied
// again without a click — or asked about, changing nothing, when its readings disagree.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { startWebShell, type RunningWebShell } from './webShell';

type Vec3 = [number, number, number];

const artefacts = 'test-results/e2e';
const liver = 5;
const spoken = 'shrink the liver by five millimetres';

let shell: RunningWebShell;
let browser: Browser;
let page: Page;
let speechSeconds = 0;
const pageErrors: string[] = [];

/**
 * espeak-ng's WAV of `text` with half a second of silence before and a second after: Chromium
 * plays its fake microphone file in a loop, so the silence keeps one reading from running into the
 * next while the button is held. Returns the file and its length in seconds.
 */
async function spokenWav(text: string, file: string): Promise<number> {
  const raw = join(shell.dataDir, 'espeak-raw.wav');
  // The US voice at a calm pace: PocketSphinx's acoustic model is US English, and espeak-ng's default
  // (British, 175 words a minute) is often not recognised at all.
  await promisify(execFile)('espeak-ng', ['-v', 'en-us', '-s', '130', '-w', raw, text]);
  const bytes = await readFile(raw);
  let rate = 0;
  let channels = 1;
  let data: Buffer | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      channels = bytes.readUInt16LE(at + 10);
      rate = bytes.readUInt32LE(at + 12);
    } else if (id === 'data') {
      // espeak-ng writes the header before it knows the length; take what is there.
      data = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + size));
      break;
    }
    at += 8 + size + (size % 2);
  }
  if (!rate || !data) throw new Error(`espeak-ng wrote no usable WAV for "${text}"`);
  const frameBytes = 2 * channels;
  const silence = (seconds: number) => Buffer.alloc(Math.round(seconds * rate) * frameBytes);
  const pcm = Buffer.concat([silence(0.5), data, silence(1)]);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * frameBytes, 28);
  header.writeUInt16LE(frameBytes, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(pcm.length, 40);
  await writeFile(file, Buffer.concat([header, pcm]));
  return pcm.length / frameBytes / rate;
}

const text = (testId: string) => page.getByTestId(testId).textContent();
const liverVoxels = async () => Number(await text(`segment-${liver}-voxels`));

const debug = <T>(fn: string, ...args: unknown[]) =>
  page.evaluate(
    ({ fn, args }) =>
      (window as unknown as Record<string, Record<string, (...a: unknown[]) => T>>).__readingDebug[fn](
        ...args,
      ),
    { fn, args },
  );

/** Indices of the axial slices whose labels differ between two sets of per-slice digests. */
const changedSlices = (before: string[], after: string[]) =>
  before.flatMap((d, n) => (d !== after[n] ? [n] : []));

async function clickVoxel(view: 'axial' | 'coronal' | 'sagittal', voxel: Vec3) {
  const box = (await page.getByTestId(`${view}-view`).boundingBox())!;
  const [x, y] = (await debug<[number, number]>('voxelToViewPixel', view, voxel))!;
  await page.mouse.click(box.x + x, box.y + y);
}

/**
 * Holds the push-to-talk button (or the V key) for the whole (looped) fake-microphone file, then
 * lets go.
 */
async function pushToTalk(by: 'button' | 'key' = 'button') {
  const talk = page.getByTestId('chat-talk');
  await expect.poll(() => talk.getAttribute('data-state')).toBe('idle');
  if (by === 'key') {
    await page.keyboard.down('v');
  } else {
    const box = (await talk.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
  }
  await expect.poll(() => talk.getAttribute('data-state'), { timeout: 10_000 }).toBe('recording');
  await page.waitForTimeout(speechSeconds * 1000);
  if (by === 'key') await page.keyboard.up('v');
  else await page.mouse.up();
}

const interventions = () => page.getByTestId('chat-intervention');

beforeAll(async () => {
  await mkdir(artefacts, { recursive: true });
  shell = await startWebShell();
  const wav = join(shell.dataDir, 'spoken-command.wav');
  speechSeconds = await spokenWav(spoken, wav);
  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
    '--autoplay-policy=no-user-gesture-required',
  ]);
  const context = await browser.newContext({ viewport: { width: 1400, height: 850 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(shell.url);
  await page.getByTestId('open-sample').click();
  await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
  await page.getByTestId('load-sample-labels').click();
  await page.getByTestId(`segment-${liver}`).waitFor({ timeout: 60_000 });
});

afterAll(async () => {
  await page?.screenshot({ path: join(artefacts, 'intervention-final-page.png') }).catch(() => undefined);
  await browser?.close();
  await shell?.stop();
});

describe('correction chat', () => {
  it('says which interpreter answers and which speech engine listens', async () => {
    await expect.poll(() => text('chat-status')).toMatch(/^Interpreter: (built-in rules|LLM)/);
    await expect.poll(() => text('voice-engines')).toContain('pocketsphinx');
    await page.keyboard.press('?');
    expect(await text('help-panel')).toContain('Push to talk');
    await page.getByTestId('help-close').click();
  });

  it('interprets a typed command, applies it only on the slices of the region, and undo restores every voxel', async () => {
    // Put the crosshair inside the liver, so "these slices" are liver slices.
    const inLiver = await debug<Vec3[]>('interiorVoxels', 'coronal', liver, 9);
    expect(inLiver.length).toBeGreaterThan(0);
    const target = inLiver[Math.floor(inLiver.length / 2)];
    await clickVoxel('coronal', target);
    await expect.poll(() => debug<Vec3>('cursor')).toEqual(target);

    const digest = await debug<string>('labelDigest');
    const slices = await debug<string[]>('sliceDigests');
    const voxels = await liverVoxels();

    await page.getByTestId('chat-input').fill('shrink the liver by 5 mm on these slices');
    await page.getByTestId('chat-send').click();
    const card = interventions().last();
    await card.waitFor({ timeout: 60_000 });
    const summary = (await card.getByTestId('chat-summary').textContent())!;
    const range = /^Shrink liver · slices (\d+)–(\d+)/.exec(summary);
    expect(range, summary).not.toBeNull();
    const [from, to] = [Number(range![1]) - 1, Number(range![2]) - 1];
    // "these slices": the cursor's axial slice and its neighbours (slices are 1-based on screen).
    expect(from).toBeLessThanOrEqual(target[2]);
    expect(to).toBeGreaterThanOrEqual(target[2]);
    expect(await card.getByTestId('chat-interpreter').textContent()).toMatch(/built-in|LLM/);
    // Nothing changes before Apply.
    expect(await debug<string>('labelDigest')).toBe(digest);

    await card.getByTestId('chat-apply').click();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 120_000 }).toBe('applied');
    const applied = await debug<string>('labelDigest');
    expect(applied).not.toBe(digest);
    const changed = changedSlices(slices, await debug<string[]>('sliceDigests'));
    expect(changed.length).toBeGreaterThan(0);
    expect(Math.min(...changed), `changed slices ${changed}`).toBeGreaterThanOrEqual(from);
    expect(Math.max(...changed), `changed slices ${changed}`).toBeLessThanOrEqual(to);
    await expect.poll(liverVoxels).toBeLessThan(voxels);
    const shrunk = await liverVoxels();

    // Before → after for the liver, and the version on the history list, current.
    const row = card.getByTestId('chat-change').filter({ hasText: 'liver' });
    expect(await row.textContent()).toContain(`${voxels} → ${shrunk}`);
    expect(await card.getByTestId('chat-time').textContent()).toMatch(/\d+(\.\d+)? m?s$/);
    const current = page.getByTestId('version').filter({ has: page.getByTestId('version-current') });
    expect(await current.textContent()).toContain('Shrink liver');
    await page.screenshot({ path: join(artefacts, 'intervention-applied.png') });

    // Hold to compare: the version before is shown while held, the history untouched.
    const compare = (await card.getByTestId('chat-compare').boundingBox())!;
    await page.mouse.move(compare.x + compare.width / 2, compare.y + compare.height / 2);
    await page.mouse.down();
    await expect.poll(() => debug<string>('labelDigest')).toBe(digest);
    await page.mouse.up();
    await expect.poll(() => debug<string>('labelDigest')).toBe(applied);
    expect(await card.getAttribute('data-version')).toBe('current');

    await card.getByTestId('chat-undo').click();
    await expect.poll(liverVoxels).toBe(voxels);
    expect(await debug<string>('labelDigest'), 'undo restores every voxel').toBe(digest);
    expect(await card.getAttribute('data-version')).toBe('undone');
    await card.getByTestId('chat-redo').click();
    await expect.poll(liverVoxels).toBe(shrunk);
    expect(await debug<string>('labelDigest')).toBe(applied);
    // The audit log (written by the main side) has the apply, the undo and the redo, in order.
    const audit = async () =>
      (await readFile(join(shell.dataDir, 'audit', 'interventions.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; summary: string });
    await expect.poll(async () => (await audit()).map((e) => e.event)).toEqual(['apply', 'undo', 'redo']);
    expect((await audit())[1].summary).toMatch(/^Shrink liver/);

    // The same history as the toolbar and Ctrl+Z, and the history list's versions.
    await page.getByTestId('undo').click();
    await expect.poll(liverVoxels).toBe(voxels);
    expect(await debug<string>('labelDigest')).toBe(digest);
    await page.getByTestId('version').filter({ hasText: 'Shrink liver' }).getByRole('button').click();
    await expect.poll(() => debug<string>('labelDigest')).toBe(applied);
    await page
      .getByTestId('version')
      .filter({ hasText: 'Loaded · example_ct_labels' })
      .getByRole('button')
      .click();
    await expect.poll(() => debug<string>('labelDigest')).toBe(digest);
  });

  it('asks a short question instead of guessing when a command is ambiguous', async () => {
    const before = await interventions().count();
    const digest = await debug<string>('labelDigest');
    // The sample has both kidneys: "the kidney" could be either.
    await page.getByTestId('chat-input').fill('the kidney is too big');
    await page.getByTestId('chat-send').click();
    const question = page.getByTestId('chat-clarify').last();
    await question.waitFor({ timeout: 60_000 });
    const asked = (await question.getByTestId('chat-question').textContent())!.trim();
    expect(asked).toMatch(/left kidney/);
    expect(asked).toMatch(/right kidney/);
    expect(asked).toMatch(/\?$/);
    expect(await interventions().count(), 'no intervention was guessed').toBe(before);
    // Picking an option interprets that text: now there is a line to apply, and nothing has changed.
    await question.getByTestId('chat-option').filter({ hasText: 'left kidney' }).click();
    await expect.poll(() => interventions().count(), { timeout: 60_000 }).toBe(before + 1);
    expect(await interventions().last().getByTestId('chat-summary').textContent()).toMatch(
      /^Shrink left kidney/,
    );
    expect(await debug<string>('labelDigest')).toBe(digest);
  });

  it('takes a spoken command by push-to-talk into the input box, and applies it', async () => {
    await page.getByTestId('chat-input').fill('');
    const digest = await debug<string>('labelDigest');
    const voxels = await liverVoxels();
    await pushToTalk();
    await expect
      .poll(() => page.getByTestId('chat-input').inputValue(), { timeout: 60_000 })
      .toMatch(/^shrink the liver by 5 (mm|millimet(re|er)s)$/);
    expect(await page.getByTestId('chat-heard').last().getByTestId('chat-engine').textContent()).toBe(
      'pocketsphinx',
    );
    // Not sent until the user has glanced at it.
    expect(await debug<string>('labelDigest')).toBe(digest);
    const count = await interventions().count();
    await page.getByTestId('chat-send').click();
    await expect.poll(() => interventions().count(), { timeout: 60_000 }).toBe(count + 1);
    const card = interventions().last();
    expect(await card.getByTestId('chat-summary').textContent()).toMatch(/^Shrink liver/);
    await card.getByTestId('chat-apply').click();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 120_000 }).toBe('applied');
    await expect.poll(liverVoxels).toBeLessThan(voxels);
    expect(await debug<string>('labelDigest')).not.toBe(digest);
  });

  it('with "apply directly" on, applies a spoken command without a click — or asks when its readings disagree — and remembers the setting', async () => {
    await page.getByTestId('chat-auto-apply').check();
    const voxels = await liverVoxels();
    const digest = await debug<string>('labelDigest');
    const count = await interventions().count();
    const questions = await page.getByTestId('chat-clarify').count();
    // This time by holding V (focus is on the checkbox, not in a text field).
    await pushToTalk('key');
    // Either the reading was sure and is applied, or a rival reading (another structure, the opposite
    // action) made the chat ask: then nothing changes until the user picks the liver reading.
    await expect
      .poll(
        async () =>
          (await interventions().count()) > count ||
          (await page.getByTestId('chat-clarify').count()) > questions,
        {
          timeout: 60_000,
        },
      )
      .toBe(true);
    if ((await interventions().count()) === count) {
      // Asked: nothing was applied, and the readings offered include the liver one.
      expect(await debug<string>('labelDigest')).toBe(digest);
      const question = page.getByTestId('chat-clarify').last();
      expect(await question.textContent()).toMatch(/not sure/);
      expect(
        await question
          .getByTestId('chat-option')
          .filter({ hasText: /shrink the liver/ })
          .count(),
      ).toBeGreaterThan(0);
    } else {
      expect(await interventions().last().getByTestId('chat-summary').textContent()).toMatch(/^Shrink liver/);
      await expect
        .poll(() => interventions().last().getAttribute('data-state'), { timeout: 120_000 })
        .toBe('applied');
      await expect.poll(liverVoxels).toBeLessThan(voxels);
    }
    expect(await page.evaluate(() => localStorage.getItem('causal-sam.voice.autoApply'))).toBe('true');
    await page.reload();
    expect(await page.getByTestId('chat-auto-apply').isChecked()).toBe(true);
  });

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
