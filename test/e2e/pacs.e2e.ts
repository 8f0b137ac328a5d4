/// <reference lib="dom" />
// The PACS round trip in Chromium against the real web shell and a real Orthanc: add a node (its
// password goes to the user-only secrets file, not the settings), search, retrieve a series over
// WADO-RS (it opens from the local cache), load a segmentation and send it back as a DICOM SEG that
// Orthanc then holds, referencing the source series. The SEG is a threshold mask standing in for the
// model's output, which is not built yet.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDicomSeg } from '../../src/main/services/imaging/dicom/segWriter';
import { loadPaths } from '../../src/main/services/imaging/load';
import { thresholdMask } from '../unit/pacs/helpers';
import {
  PASSWORD,
  USER,
  freePort,
  orthancAvailable,
  sharedSeriesDir,
  sharedSeriesFiles,
  startOrthanc,
  type RunningOrthanc,
} from '../unit/pacs/orthanc';
import WebSocket from 'ws';
import type { Envelope } from '../../src/shared/api';
import { decodeFrame, encodeFrame } from '../../src/shared/wire';
import { launchChromium } from './browser';
import { startWebShell, type RunningWebShell } from './webShell';

const artefacts = 'test-results/e2e';
let orthanc: RunningOrthanc;
let shell: RunningWebShell;
let browser: Browser;
let page: Page;
let scratch: string;
let studyUid: string;
let seriesUid: string;
let patientId: string;
let segPath: string;
const pageErrors: string[] = [];

/** One request over the web shell's WebSocket, as the renderer sends it. */
function call(ws: WebSocket, method: string, request: unknown): Promise<Envelope> {
  const id = Math.floor(Math.random() * 1e9);
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const message = decodeFrame(new Uint8Array(data)) as { kind: string; id: number; envelope: Envelope };
      if (message.kind === 'response' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.envelope);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeFrame({ kind: 'request', id, method, request }));
  });
}

describe.skipIf(!orthancAvailable)('PACS browser: search, retrieve, open, send', () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'causal-sam-e2e-pacs-'));
    orthanc = await startOrthanc({ aet: 'CAUSALSAM', port: await freePort() });
    await orthanc.upload(await sharedSeriesFiles());
    const source = (await loadPaths([sharedSeriesDir])).series[0];
    studyUid = source.dicom!.studyInstanceUid;
    seriesUid = source.dicom!.seriesInstanceUid;
    patientId = String(source.dicom!.patientStudy.PatientID);
    segPath = join(scratch, 'threshold-seg.dcm');
    await writeFile(segPath, writeDicomSeg(thresholdMask(source), source));

    shell = await startWebShell();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(shell.url);
    await page.getByTestId('pacs-browser').waitFor();
  });

  afterAll(async () => {
    await page?.screenshot({ path: join(artefacts, 'pacs-final.png') }).catch(() => undefined);
    await browser?.close();
    await shell?.stop();
    await orthanc?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('adds a DICOMweb node; the password is kept apart, readable only by the user', async () => {
    await page.getByTestId('pacs-add-node').click();
    await page.getByTestId('pacs-node-name').fill('orthanc');
    await page.getByTestId('pacs-node-url').fill(orthanc.dicomWebUrl);
    await page.getByTestId('pacs-node-auth').selectOption('basic');
    await page.getByTestId('pacs-node-user').fill(USER);
    await page.getByTestId('pacs-node-secret').fill(PASSWORD);
    await page.getByTestId('pacs-node-save').click();
    await expect.poll(() => page.getByTestId('pacs-status').textContent()).toBe('Saved orthanc');
    const nodes = await readFile(join(shell.dataDir, 'pacs-nodes.json'), 'utf8');
    expect(nodes).toContain(orthanc.dicomWebUrl);
    expect(nodes).not.toContain(PASSWORD);
    expect((await stat(join(shell.dataDir, 'pacs-secrets.json'))).mode & 0o777).toBe(0o600);
    await page.getByTestId('pacs-echo').click();
    await expect
      .poll(() => page.getByTestId('pacs-status').textContent())
      .toMatch(/orthanc answered in \d+ ms/);
  });

  it('searches by patient ID, retrieves the MR series and opens it from the cache', async () => {
    await page.getByTestId('pacs-patient-id').fill(patientId);
    await page.getByTestId('pacs-search').click();
    await page.getByTestId(`pacs-study-${studyUid}`).click();
    await page.getByTestId(`pacs-retrieve-${seriesUid}`).click();
    await expect
      .poll(() => page.getByTestId('pacs-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Retrieved 24, 0 from the cache/);
    await expect.poll(() => page.getByTestId('dims').textContent()).toMatch(/512\D+512\D+24/);
    await expect.poll(() => page.getByTestId('modality').textContent()).toBe('MR');
    const cached = await readdir(join(shell.dataDir, 'pacs-cache', studyUid, seriesUid));
    expect(cached.filter((f) => f.endsWith('.dcm'))).toHaveLength(24);
    // Opening again comes from the cache: nothing is fetched.
    await page.getByTestId(`pacs-retrieve-${seriesUid}`).click();
    await expect
      .poll(() => page.getByTestId('pacs-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Retrieved 0, 24 from the cache/);
  });

  it('sends the segmentation back: Orthanc holds a SEG referencing the series', async () => {
    await page.getByTestId('seg-load-path').fill(segPath);
    await page.getByTestId('seg-load').click();
    await page.getByTestId('segment-1').waitFor();
    await page.getByTestId('pacs-send').click();
    await expect
      .poll(() => page.getByTestId('pacs-status').textContent(), { timeout: 90_000 })
      .toMatch(/^Sent SEG [0-9.]+ and its volume report to orthanc$/);
    const segUid = (await page.getByTestId('pacs-status').textContent())!.split(' ')[2];
    const found = (await (
      await orthanc.rest(`/dicom-web/studies/${studyUid}/series?Modality=SEG`)
    ).json()) as Record<string, { Value: string[] }>[];
    expect(found).toHaveLength(1);
    const segSeries = found[0]['0020000E'].Value[0];
    const metadata = (await (
      await orthanc.rest(`/dicom-web/studies/${studyUid}/series/${segSeries}/metadata`)
    ).json()) as Record<string, { Value: Record<string, { Value: string[] }>[] }>[];
    expect(metadata[0]['00080018'].Value[0]).toBe(segUid);
    expect(metadata[0]['00081115'].Value[0]['0020000E'].Value[0]).toBe(seriesUid);
    // The volume report: an Encapsulated PDF in the same study, pointing at the SEG.
    const docs = (await (
      await orthanc.rest(`/dicom-web/studies/${studyUid}/series?Modality=DOC`)
    ).json()) as Record<string, { Value: string[] }>[];
    expect(docs).toHaveLength(1);
    const report = (await (
      await orthanc.rest(`/dicom-web/studies/${studyUid}/series/${docs[0]['0020000E'].Value[0]}/metadata`)
    ).json()) as Record<string, { Value: Record<string, { Value: string[] }>[] }>[];
    expect(report[0]['00420012'].Value[0]).toBe('application/pdf');
    expect(report[0]['00420013'].Value[0]['00081155'].Value[0]).toBe(segUid);
    expect(pageErrors).toEqual([]);
  });

  it('over the contract: wrong credentials are a "remote" error, and a cancelled retrieve resumes', async () => {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${shell.origin.replace('http', 'ws')}/ws`, {
        headers: { Cookie: `csam_token=${shell.token}`, Origin: shell.origin },
      });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    try {
      const node = {
        name: 'wrong',
        kind: 'dicomweb',
        url: orthanc.dicomWebUrl,
        auth: 'basic',
        username: USER,
      };
      expect(await call(ws, 'pacs.saveNode', { node, secret: 'not-it' })).toMatchObject({ ok: true });
      expect(await call(ws, 'pacs.findStudies', { node: 'wrong', query: {} })).toEqual({
        ok: false,
        error: {
          code: 'remote',
          message: 'wrong credentials for wrong (HTTP 401): check the user name and password or token',
        },
      });
      expect(await call(ws, 'pacs.nodes', {})).toMatchObject({
        ok: true,
        result: {
          nodes: [
            { name: 'orthanc', hasSecret: true },
            { name: 'wrong', hasSecret: true },
          ],
        },
      });

      const dimse = {
        name: 'dimse',
        kind: 'dimse',
        aet: 'ORTHANC',
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        retrieve: 'get',
      };
      expect(await call(ws, 'pacs.saveNode', { node: dimse })).toMatchObject({ ok: true });
      // Start from an empty cache for this series (the browser test above filled it).
      await rm(join(shell.dataDir, 'pacs-cache', studyUid, seriesUid), { recursive: true, force: true });
      const events: number[] = [];
      ws.on('message', (data: Buffer) => {
        const message = decodeFrame(new Uint8Array(data)) as {
          kind: string;
          name?: string;
          payload?: { task: string; fraction: number };
        };
        if (message.kind === 'event' && message.payload?.task === 'cut')
          events.push(message.payload.fraction);
      });
      // Cancel once a few instances are in (progress events tell), as a radiologist's Cancel does.
      const retrieving = call(ws, 'pacs.retrieve', { node: 'dimse', studyUid, seriesUid, task: 'cut' });
      await expect.poll(() => events.some((f) => f >= 0.2), { timeout: 30_000 }).toBe(true);
      expect(await call(ws, 'pacs.cancel', { task: 'cut' })).toEqual({
        ok: true,
        result: { cancelled: true },
      });
      expect(await retrieving).toMatchObject({ ok: false, error: { code: 'cancelled' } });
      // The retry fetches only what the cancelled one did not keep.
      const again = (await call(ws, 'pacs.retrieve', { node: 'dimse', studyUid, seriesUid })) as {
        ok: true;
        result: { stats: { retrieved: number; alreadyCached: number }; series: { dims: number[] }[] };
      };
      expect(again.ok).toBe(true);
      expect(again.result.stats.alreadyCached).toBeGreaterThan(0);
      expect(again.result.stats.retrieved + again.result.stats.alreadyCached).toBe(24);
      expect(again.result.series[0].dims).toEqual([512, 512, 24]);
      const cached = await readdir(join(shell.dataDir, 'pacs-cache', studyUid, seriesUid));
      expect(cached).toHaveLength(24);
    } finally {
      ws.close();
    }
  });
});
