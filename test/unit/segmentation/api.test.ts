// The segmentation requests over the web shell's contract, as the renderer will call them:
// models.list / models.add, segmentation.run with progress events and cancel, .prompt, .report.
import { cp, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/shared/api';
import { decodeFrame, encodeFrame } from '../../../src/shared/wire';
import { startWebShell, type RunningWebShell } from '../../e2e/webShell';
import { builtFile, requireData, sharedFile } from '../requireData';
import { demoDir, demoModel, exampleCtData, sharedData } from './helpers';

const smallCt = join(sharedData, 'totalsegmentator', 'example_ct_sm.nii.gz');

describe('segmentation over the contract (web shell)', () => {
  requireData(builtFile('out/main/web.js'), demoModel, exampleCtData, sharedFile(smallCt));
  let shell: RunningWebShell;
  let ws: WebSocket;
  let work: string;
  const events: { task: string; label: string; fraction: number }[] = [];

  function call<T = unknown>(method: string, request: unknown): Promise<Envelope<T>> {
    const id = Math.floor(Math.random() * 1e9);
    return new Promise((resolve) => {
      const onMessage = (data: Buffer) => {
        const message = decodeFrame(new Uint8Array(data)) as {
          kind: string;
          id: number;
          envelope: Envelope<T>;
        };
        if (message.kind === 'response' && message.id === id) {
          ws.off('message', onMessage);
          resolve(message.envelope);
        }
      };
      ws.on('message', onMessage);
      ws.send(encodeFrame({ kind: 'request', id, method, request }));
    });
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'causal-sam-seg-api-'));
    shell = await startWebShell();
    ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${shell.origin.replace('http', 'ws')}/ws`, {
        headers: { Cookie: `csam_token=${shell.token}`, Origin: shell.origin },
      });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    ws.on('message', (data: Buffer) => {
      const m = decodeFrame(new Uint8Array(data)) as {
        kind: string;
        name: string;
        payload: (typeof events)[0];
      };
      if (m.kind === 'event' && m.name === 'progress') events.push(m.payload);
    });
  }, 60_000);
  afterAll(async () => {
    ws?.close();
    await shell?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lists the installed model with its manifest and provider', async () => {
    const r = await call<{
      models: { id: string; status: string; provider: string; manifest?: { licence: unknown } }[];
    }>('models.list', {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const demo = r.result.models.find((m) => m.id === 'causal-sam-demo')!;
    expect(demo.status).toBe('verified');
    expect(demo.provider).toMatch(/^(cpu|cuda|dml|coreml)/);
    expect(demo.manifest?.licence).toBeDefined();
  });

  it('refuses a tampered user model with the reason', async () => {
    const tampered = join(work, 'tampered');
    await cp(demoDir, tampered, { recursive: true });
    const handle = await open(join(tampered, 'decoder.onnx'), 'r+');
    await handle.write(Buffer.from([0x13]), 0, 1, 2048);
    await handle.close();
    const r = await call('models.add', { path: tampered });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringMatching(/sha256/) },
    });
  });

  it('segments an open series with progress, reports it, and prompts on a slice', async () => {
    const opened = await call<{ series: { seriesId: string }[] }>('studies.open', { paths: [smallCt] });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const seriesId = opened.result.series[0].seriesId;
    const run = await call<{
      segmentation: { dims: number[]; layers: Uint8Array[]; segments: { name: string }[] };
      model: { id: string };
      timingsMs: Record<string, number>;
      task: string;
    }>('segmentation.run', { seriesId, task: 'seg-test' });
    expect(run.ok).toBe(true);
    if (!run.ok) return;
    expect(run.result.segmentation.dims).toEqual([122, 101, 30]);
    expect(run.result.segmentation.layers[0]).toBeInstanceOf(Uint8Array);
    expect(run.result.segmentation.segments.map((s) => s.name)).toContain('liver');
    expect(events.filter((e) => e.task === 'seg-test').at(-1)?.fraction).toBe(1);
    const report = await call<{ csv: string; json: string }>('segmentation.report', {
      seriesId,
      segmentation: run.result.segmentation,
      modelId: 'causal-sam-demo',
      csvPath: join(work, 'volumes.csv'),
      jsonPath: join(work, 'volumes.json'),
    });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.result.csv).toMatch(/^label,name,voxels,volume_ml/);
    expect(await readFile(join(work, 'volumes.csv'), 'utf8')).toBe(report.result.csv);
    expect(JSON.parse(await readFile(join(work, 'volumes.json'), 'utf8')).structures.length).toBeGreaterThan(
      0,
    );
    expect(JSON.parse(report.result.json).model.id).toBe('causal-sam-demo');
    const prompt = await call<{ timingsMs: Record<string, number> }>('segmentation.prompt', {
      seriesId,
      slice: 15,
      box: [
        { a: 40, b: 30 },
        { a: 90, b: 70 },
      ],
    });
    expect(prompt.ok).toBe(true);
    if (prompt.ok) expect(prompt.result.timingsMs.encodedSlices).toBe(0); // cached by the run above
    // A propagated prompt ends its progress (fraction 1) however it stopped: no bar stays behind.
    const propagated = await call('segmentation.prompt', {
      seriesId,
      slice: 15,
      box: [
        { a: 40, b: 30 },
        { a: 90, b: 70 },
      ],
      propagate: true,
      task: 'propagate-test',
    });
    expect(propagated.ok).toBe(true);
    expect(events.filter((e) => e.task === 'propagate-test').at(-1)?.fraction).toBe(1);
    const both = await call('segmentation.prompt', {
      seriesId,
      slice: 15,
      box: [
        { a: 1, b: 1 },
        { a: 2, b: 2 },
      ],
      points: [{ a: 1, b: 1, positive: true }],
    });
    expect(both).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  }, 120_000);

  it('cancels a running segmentation by task', async () => {
    const opened = await call<{ series: { seriesId: string }[] }>('studies.open', {
      paths: [join(sharedData, 'totalsegmentator', 'example_ct.nii.gz')],
    });
    if (!opened.ok) throw new Error('open failed');
    const seriesId = opened.result.series[0].seriesId;
    const running = call('segmentation.run', { seriesId, task: 'to-cancel' });
    await expect
      .poll(() => events.some((e) => e.task === 'to-cancel'), { timeout: 30_000, interval: 20 })
      .toBe(true);
    const cancel = await call<{ cancelled: boolean }>('tasks.cancel', { task: 'to-cancel' });
    expect(cancel).toMatchObject({ ok: true, result: { cancelled: true } });
    expect(await running).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    // It stopped before the end of the volume: its work never reached the last slice (then the task
    // says it is over: the final 'done').
    const work = events.filter((e) => e.task === 'to-cancel' && e.label !== 'done');
    expect(Math.max(...work.map((e) => e.fraction))).toBeLessThan(1);
    expect(events.filter((e) => e.task === 'to-cancel').at(-1)).toMatchObject({ label: 'done' });
  }, 60_000);
});
