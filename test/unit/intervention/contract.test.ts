// Test-Time Causal Intervention and speech over the web shell's contract, as the chat panel calls
// them: interpret a typed command against what is on screen, apply it through the demo model's
// decoder, get a diff that changes only the slices named and undoes exactly, and find it in the
// audit log; transcribe synthesised speech into the same command.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, type ApiClient } from '../../../src/shared/api';
import type { ViewContext } from '../../../src/shared/intervention';
import type { Segmentation } from '../../../src/shared/volume';
import { createWsTransport, type SocketLike } from '../../../src/shared/wsTransport';
import { startWebShell, type RunningWebShell } from '../../e2e/webShell';
import { builtFile, program, requireData } from '../requireData';
import { demoModel } from '../segmentation/helpers';

const sampleCt = join(process.cwd(), 'resources/sample/example_ct.nii.gz');
const sampleLabels = join(process.cwd(), 'resources/sample/example_ct_labels.nii.gz');

describe('interventions over the contract (web shell)', () => {
  requireData(builtFile('out/main/web.js'), demoModel);
  let shell: RunningWebShell;
  let socket: WebSocket;
  let api: ApiClient;
  let seriesId: string;
  let labels: Segmentation;
  let context: ViewContext;

  beforeAll(async () => {
    shell = await startWebShell();
    socket = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(`${shell.origin.replace('http', 'ws')}/ws`, {
        headers: { Cookie: `csam_token=${shell.token}`, Origin: shell.origin },
      });
      s.once('open', () => resolve(s));
      s.once('error', reject);
    });
    api = createClient(createWsTransport(socket as unknown as SocketLike));
    seriesId = (await api['studies.open']({ paths: [sampleCt] })).series[0].seriesId;
    labels = await api['segmentation.load']({ seriesId, paths: [sampleLabels] });
    context = {
      visibleStructures: labels.segments.map((s) => s.name),
      currentSlice: 90,
      sliceCount: labels.dims[2],
      superiorIsIncreasingK: true,
    };
  }, 60_000);
  afterAll(async () => {
    socket?.close();
    await shell?.stop();
  });

  it('says the built-in interpreter answers when no LLM is installed', async () => {
    expect(await api['intervention.status']({})).toEqual({ active: 'built-in', llm: 'none' });
  });

  it('interprets, applies only on the slices named, undoes exactly, and audits', async () => {
    const command = 'shrink the liver by 5 mm on these slices';
    const answer = await api['intervention.interpret']({ command, context });
    expect(answer).toMatchObject({
      kind: 'intervention',
      interpreter: 'built-in',
      summary: 'Shrink liver · slices 87–95 · by 5 mm',
    });
    if (answer.kind !== 'intervention') return;
    const result = await api['intervention.apply']({
      seriesId,
      segmentation: labels,
      intervention: answer.intervention,
      command,
      interpreter: answer.interpreter,
    });
    // A named size is obeyed exactly (the exact distance transform), so the model is not asked.
    expect(result.method).toBe('geometric');
    expect(result.model).toBeNull();
    const edit = result.edit!;
    expect(edit.indices).toBeInstanceOf(Uint32Array);
    expect(edit.indices.length).toBeGreaterThan(50);
    const [nx, ny] = labels.dims;
    const liver = labels.segments.find((s) => s.name === 'liver')!.value;
    const layer = labels.layers[0];
    for (let c = 0; c < edit.indices.length; c++) {
      const k = Math.floor(edit.indices[c] / (nx * ny));
      expect(k).toBeGreaterThanOrEqual(86);
      expect(k).toBeLessThanOrEqual(94);
      expect(edit.before[c]).toBe(layer[edit.indices[c]]);
      expect(edit.before[c]).toBe(liver);
      expect(edit.after[c]).toBe(0);
    }
    expect(result.changes).toEqual([{ name: 'liver', value: liver, added: 0, removed: edit.indices.length }]);
    expect(result.slices!.from).toBeGreaterThanOrEqual(86);
    // Undo writes `before` back: the layer is what it was, bit for bit.
    const applied = layer.slice();
    edit.indices.forEach((n, c) => (applied[n] = edit.after[c]));
    expect(applied).not.toEqual(layer);
    edit.indices.forEach((n, c) => (applied[n] = edit.before[c]));
    expect(applied).toEqual(layer);

    await api['intervention.record']({ seriesId, event: 'undo', summary: result.summary });
    const log = (await readFile(join(shell.dataDir, 'audit', 'interventions.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(log.at(-2)).toMatchObject({
      event: 'apply',
      seriesId,
      command,
      interpreter: 'built-in',
      summary: result.summary,
      method: 'geometric',
      model: null,
      // The study by its file and DICOM UIDs, which stay the same across openings (seriesId does not).
      study: { path: sampleCt },
      voxelsChanged: edit.indices.length,
      changes: [{ name: 'liver', added: 0, removed: edit.indices.length }],
    });
    expect(log.at(-1)).toMatchObject({
      event: 'undo',
      seriesId,
      study: { path: sampleCt },
      summary: result.summary,
    });
  }, 120_000);

  it('asks instead of guessing, and refuses a mask on another grid', async () => {
    const question = await api['intervention.interpret']({ command: 'the kidney is too big', context });
    expect(question.kind).toBe('clarify');
    const small = {
      ...labels,
      dims: [10, 10, 10] as [number, number, number],
      layers: [new Uint8Array(1000)],
    };
    await expect(
      api['intervention.apply']({
        seriesId,
        segmentation: small,
        intervention: { action: 'grow', target: 'liver', region: {} },
        command: 'grow the liver',
        interpreter: 'built-in',
      }),
    ).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/not on this series' grid/),
    });
    await expect(
      api['intervention.apply']({
        seriesId,
        segmentation: labels,
        intervention: { action: 'grow', target: 'brain', region: {} },
        command: 'grow the brain',
        interpreter: 'built-in',
      }),
    ).rejects.toBeInstanceOf(ApiError);
  });

  it(
    'transcribes push-to-talk audio into the same command',
    async () => {
      requireData(program('espeak-ng', 'espeak-ng'), program('pocketsphinx_batch', 'pocketsphinx'));
      const engines = (await api['speech.engines']({})).engines;
      expect(engines.find((e) => e.id === 'pocketsphinx')?.available).toBe(true);
      expect(engines.find((e) => e.id === 'pocketsphinx-grammar')?.available).toBe(true);
      const general = engines.find((e) => e.id === 'sherpa-onnx')!;
      expect(general.available).toBe(false);
      expect(general.install).toMatch(/manifest/);
      // 16 kHz mono 16-bit, as the renderer captures it.
      const raw = execFileSync('sh', [
        '-c',
        `espeak-ng -v en-us -s 150 --stdout "the liver is leaking into the stomach on these slices" | sox -t wav - -r 16000 -c 1 -b 16 -e signed-integer -t raw -`,
      ]);
      const pcm = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
      const heard = await api['speech.transcribe']({ pcm, structures: context.visibleStructures, context });
      expect(heard.engine).toBe('pocketsphinx');
      // Re-ranked in the view: the same change as the typed words, or a question — never another change.
      const typed = await api['intervention.interpret']({
        command: 'the liver is leaking into the stomach on these slices',
        context,
      });
      const spoken = await api['intervention.interpret']({ command: heard.command, context });
      if (heard.sure)
        expect(spoken).toMatchObject({
          kind: 'intervention',
          intervention: typed.kind === 'intervention' ? typed.intervention : {},
        });
      else expect(heard.options?.length).toBeGreaterThan(0);
      expect(heard.audioSeconds).toBeGreaterThan(1);
    },
    // The first call builds the model and grammar for the structures on screen, then two decoders run.
    180_000,
  );
});
