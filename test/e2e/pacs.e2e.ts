/// <reference lib="dom" />
// The PACS round trip in Chromium against the real web shell and a real Orthanc: add a node (its
// password goes to the user-only secrets file, not the settings), search, retrieve a series over
// WADO-RS (it opens from the local cache), segment it with the shipped demo model ('segmentation.run')
// and send the result back, over the contract ('pacs.store') and from the browser's Send button, as a
// DICOM SEG that Orthanc then holds, referencing the source series and giving back the model's voxels.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSegmentationOnto } from '../../src/main/services/imaging/dicom/index';
import { loadPaths } from '../../src/main/services/imaging/load';
import type { LoadedSeries } from '../../src/main/services/imaging/types';
import type { ModelManifest } from '../../src/shared/modelManifest';
import type { Segmentation } from '../../src/shared/volume';
import { demoModelDir, differingSegments, voxelsByName } from '../unit/pacs/helpers';
import { requireData, sharedFile } from '../unit/requireData';
import {
  PASSWORD,
  USER,
  freePort,
  orthancInstalled,
  sharedSeriesDir,
  sharedSeriesFiles,
  startOrthanc,
  type RunningOrthanc,
} from '../unit/pacs/orthanc';
import WebSocket from 'ws';
import type { Envelope, Responses } from '../../src/shared/api';
import { decodeFrame, encodeFrame } from '../../src/shared/wire';
import { launchChromium } from './browser';
import { startWebShell, type RunningWebShell } from './webShell';

const artefacts = 'test-results/e2e';
let orthanc: RunningOrthanc;
let shell: RunningWebShell;
let browser: Browser;
let page: Page;
let studyUid: string;
let seriesUid: string;
let patientId: string;
let source: LoadedSeries;
let ws: WebSocket;
/** The open series and the demo model's segmentation of it, as 'segmentation.run' gave them. */
let seriesId: string;
let modelSeg: Segmentation;
const pageErrors: string[] = [];
/** A wrong password tried over the contract: like the right one, it must not be stored or logged. */
const WRONG_PASSWORD = 'not-it-4711';

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

/** A request that must succeed: its result, or a failure that shows the error. */
async function ok<M extends keyof Responses>(method: M, request: unknown): Promise<Responses[M]> {
  const envelope = await call(ws, method, request);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.result as Responses[M];
}

type Json = Record<string, { Value: (string | number | Json)[] }>;
const first = (item: Json, tag: string) => item[tag].Value[0];

/**
 * The SEG instance Orthanc holds under this SOP Instance UID: found by QIDO-RS in the study, checked to
 * reference the source series, read back onto that series.
 */
async function segInOrthanc(sopInstanceUid: string): Promise<{ metadata: Json; segmentation: Segmentation }> {
  const found = (await (
    await orthanc.rest(`/dicom-web/studies/${studyUid}/instances?SOPInstanceUID=${sopInstanceUid}`)
  ).json()) as Json[];
  expect(found).toHaveLength(1);
  const segSeries = first(found[0], '0020000E') as string;
  const [metadata] = (await (
    await orthanc.rest(`/dicom-web/studies/${studyUid}/series/${segSeries}/metadata`)
  ).json()) as Json[];
  expect(first(metadata, '00080060')).toBe('SEG');
  expect(first(first(metadata, '00081115') as Json, '0020000E')).toBe(seriesUid);
  const [orthancId] = (await (
    await orthanc.rest('/tools/lookup', { method: 'POST', body: sopInstanceUid })
  ).json()) as { ID: string }[];
  const bytes = new Uint8Array(await (await orthanc.rest(`/instances/${orthancId.ID}/file`)).arrayBuffer());
  return { metadata, segmentation: await loadSegmentationOnto({ path: 'orthanc-seg.dcm', bytes }, source) };
}

describe('PACS browser: search, retrieve, open, send', () => {
  requireData(...orthancInstalled, sharedFile(sharedSeriesDir));
  beforeAll(async () => {
    orthanc = await startOrthanc({ aet: 'CAUSALSAM', port: await freePort() });
    await orthanc.upload(await sharedSeriesFiles());
    source = (await loadPaths([sharedSeriesDir])).series[0];
    studyUid = source.dicom!.studyInstanceUid;
    seriesUid = source.dicom!.seriesInstanceUid;
    patientId = String(source.dicom!.patientStudy.PatientID);

    shell = await startWebShell();
    ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${shell.origin.replace('http', 'ws')}/ws`, {
        headers: { Cookie: `csam_token=${shell.token}`, Origin: shell.origin },
      });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(shell.url);
    await page.getByTestId('pacs-browser').waitFor();
  });

  afterAll(async () => {
    await page?.screenshot({ path: join(artefacts, 'pacs-final.png') }).catch(() => undefined);
    ws?.close();
    await browser?.close();
    await shell?.stop();
    await orthanc?.stop();
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

  it('segments the retrieved series with the demo model and stores the SEG over the contract', async () => {
    // The series the browser retrieved, opened again from the cache for this client.
    const opened = await ok('pacs.retrieve', { node: 'orthanc', studyUid, seriesUid });
    expect(opened.stats).toMatchObject({ retrieved: 0, alreadyCached: 24 });
    seriesId = opened.series[0].seriesId;
    const run = await ok('segmentation.run', { seriesId });
    expect(run.model.id).toBe('causal-sam-demo');
    modelSeg = run.segmentation;
    expect(modelSeg.dims).toEqual([512, 512, 24]);
    // The model knows abdominal CT organs only; on this brain MR it finds a few voxels of one of them.
    // Whatever it finds must come back from the archive unchanged.
    const manifest = JSON.parse(await readFile(join(demoModelDir, 'manifest.json'), 'utf8')) as ModelManifest;
    const classes = manifest.classes.map((c) => c.name);
    expect(modelSeg.segments.length).toBeGreaterThan(0);
    for (const segment of modelSeg.segments) expect(classes).toContain(segment.name);
    const counts = voxelsByName(modelSeg);
    expect(Object.values(counts).every((n) => n > 0)).toBe(true);

    const stored = await ok('pacs.store', { node: 'orthanc', seriesId, segmentation: modelSeg });
    expect(stored.reportSopInstanceUid).toBeUndefined();
    const { metadata, segmentation } = await segInOrthanc(stored.sopInstanceUid);
    expect((metadata['00620002'].Value as Json[]).map((item) => first(item, '00620005'))).toEqual(
      modelSeg.segments.map((s) => s.name),
    );
    expect(voxelsByName(segmentation)).toEqual(counts);
    expect(differingSegments(segmentation, modelSeg)).toEqual([]);
  });

  it("sends the model's segmentation from the browser: Orthanc holds a SEG of it and its volume report", async () => {
    // Segment in the browser: the same model on the same series gives the same result.
    await page.getByTestId('segment-run').click();
    const [name, voxels] = Object.entries(voxelsByName(modelSeg))[0];
    const value = modelSeg.segments.find((s) => s.name === name)!.value;
    await expect
      .poll(async () => (await page.getByTestId(`segment-${value}-name`).textContent())?.trim(), {
        timeout: 90_000,
      })
      .toBe(name);
    expect((await page.getByTestId(`segment-${value}-voxels`).textContent())?.trim()).toBe(String(voxels));
    await page.getByTestId('pacs-send').click();
    await expect
      .poll(() => page.getByTestId('pacs-status').textContent(), { timeout: 90_000 })
      .toMatch(/^Sent SEG [0-9.]+ and its volume report to orthanc$/);
    const segUid = (await page.getByTestId('pacs-status').textContent())!.split(' ')[2];
    const { metadata: sent, segmentation } = await segInOrthanc(segUid);
    expect(voxelsByName(segmentation)).toEqual(voxelsByName(modelSeg));
    // Made by the model and sent as it came: AUTOMATIC, with the model's name and version.
    for (const item of sent['00620002'].Value as Json[]) {
      expect(first(item, '00620008')).toBe('AUTOMATIC');
      expect(first(item, '00620009')).toBe('causal-sam-demo');
    }
    expect(differingSegments(segmentation, modelSeg)).toEqual([]);
    // The volume report: an Encapsulated PDF in the same study, pointing at the SEG.
    const docs = (await (
      await orthanc.rest(`/dicom-web/studies/${studyUid}/series?Modality=DOC`)
    ).json()) as Json[];
    expect(docs).toHaveLength(1);
    const [report] = (await (
      await orthanc.rest(
        `/dicom-web/studies/${studyUid}/series/${first(docs[0], '0020000E') as string}/metadata`,
      )
    ).json()) as Json[];
    expect(first(report, '00420012')).toBe('application/pdf');
    expect(first(first(report, '00420013') as Json, '00081155')).toBe(segUid);
    // Two SEGs now: the contract's and the browser's.
    const segs = (await (
      await orthanc.rest(`/dicom-web/studies/${studyUid}/series?Modality=SEG`)
    ).json()) as Json[];
    expect(segs).toHaveLength(2);
    expect(pageErrors).toEqual([]);
  });

  it('over the contract: wrong credentials are a "remote" error, and a cancelled retrieve resumes', async () => {
    const node = {
      name: 'wrong',
      kind: 'dicomweb',
      url: orthanc.dicomWebUrl,
      auth: 'basic',
      username: USER,
    };
    expect(await call(ws, 'pacs.saveNode', { node, secret: WRONG_PASSWORD })).toMatchObject({ ok: true });
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
      if (message.kind === 'event' && message.payload?.task === 'cut') events.push(message.payload.fraction);
    });
    // Cancel once a few instances are in (progress events tell), as a radiologist's Cancel does.
    const retrieving = call(ws, 'pacs.retrieve', { node: 'dimse', studyUid, seriesUid, task: 'cut' });
    await expect.poll(() => events.some((f) => f >= 0.2), { timeout: 30_000 }).toBe(true);
    expect(await call(ws, 'tasks.cancel', { task: 'cut' })).toEqual({
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
  });

  it("no password in the web shell's output or in any file of its data folder but the secrets file", async () => {
    const files = (await readdir(shell.dataDir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name !== 'pacs-secrets.json')
      .map((entry) => join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThan(24);
    for (const secret of [PASSWORD, WRONG_PASSWORD]) {
      expect(shell.output()).not.toContain(secret);
      for (const file of files) expect((await readFile(file)).includes(secret), file).toBe(false);
    }
    const secrets = await readFile(join(shell.dataDir, 'pacs-secrets.json'), 'utf8');
    expect(secrets).toContain(PASSWORD);
  });
});
