// SegmentationEngine on the demo model (models/causal-sam-demo or CAUSAL_SAM_MODELS_DIR): progress,
// cancellation within a second, the embedding cache (prompts re-run the decoder only), neutral
// intervention inputs, the out-of-distribution score (with, without and with a bad statistics file),
// and the worker's job runner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine } from '../../../src/main/services/segmentation/engine';
import { SegmentationCancelledError } from '../../../src/main/services/segmentation/errors';
import { JobRunner, type FromWorker } from '../../../src/main/services/segmentation/jobs';
import { structureByName } from '../../../src/shared/anatomy';
import type { ModelManifest } from '../../../src/shared/modelManifest';
import type { Volume } from '../../../src/shared/volume';
import { requireData } from '../requireData';
import { coronalMr, demoDir, demoModel, exampleCtData } from './helpers';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const small = join(process.cwd(), '..', 'shared', 'data', 'totalsegmentator', 'example_ct_sm.nii.gz');

describe('SegmentationEngine (demo model)', () => {
  requireData(exampleCtData, demoModel);
  let manifest: ModelManifest;
  let engine: SegmentationEngine;
  let volume: Volume;

  beforeAll(async () => {
    manifest = await verifyModel(demoDir);
    engine = await SegmentationEngine.create(demoDir, manifest, { intraOpNumThreads: 1 });
    volume = (await loadPaths([small])).series[0].volume;
  }, 60_000);
  afterAll(async () => engine?.release());

  it('segments every slice with rising progress onto the study grid', async () => {
    const fractions: number[] = [];
    const r = await engine.segmentVolume(volume, { volumeKey: 'sm', onProgress: (f) => fractions.push(f) });
    expect(r.segmentation.dims).toEqual(volume.dims);
    expect(r.segmentation.layers[0].length).toBe(volume.voxels.length);
    expect(r.timingsMs.encodedSlices).toBe(30);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(r.segmentation.segments.every((s) => s.value > 0 && s.name !== 'background')).toBe(true);
    // Everything is cached now: a second run encodes nothing.
    const again = await engine.segmentVolume(volume, { volumeKey: 'sm' });
    expect(again.timingsMs.encodedSlices).toBe(0);
    expect(again.segmentation.layers[0]).toEqual(r.segmentation.layers[0]);
  }, 120_000);

  it('scores the run out of distribution; a model without statistics runs without; a bad file is refused', async () => {
    const r = await engine.segmentVolume(volume, { volumeKey: 'sm' });
    expect(r.ood?.slices).toBe(30);
    expect(r.ood?.structures.map((s) => s.value).sort()).toEqual(
      r.segmentation.segments.map((s) => s.value).sort(),
    );
    const copy = await mkdtemp(join(tmpdir(), 'ood-model-'));
    try {
      await cp(demoDir, copy, { recursive: true });
      const plain = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8')) as ModelManifest;
      delete plain.files.ood;
      await writeFile(join(copy, 'manifest.json'), JSON.stringify(plain));
      const without = await SegmentationEngine.create(copy, await verifyModel(copy), {
        intraOpNumThreads: 1,
      });
      const run = await without.segmentVolume(volume, { volumeKey: 'sm' });
      await without.release();
      expect(run.ood).toBeUndefined();
      expect(run.segmentation.layers[0]).toEqual(r.segmentation.layers[0]);
      // A statistics file that is not one: refused at load, naming the file (sha256 made to match).
      const bad = Buffer.from('{"format":"causal-sam-ood-1","dim":2}');
      await writeFile(join(copy, 'ood.json'), bad);
      const withBad = {
        ...plain,
        files: {
          ...plain.files,
          ood: {
            path: 'ood.json',
            bytes: bad.length,
            sha256: createHash('sha256').update(bad).digest('hex'),
          },
        },
      };
      await writeFile(join(copy, 'manifest.json'), JSON.stringify(withBad));
      await expect(SegmentationEngine.create(copy, await verifyModel(copy))).rejects.toThrow(
        /ood\.json: not an out-of-distribution statistics file/,
      );
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }, 120_000);

  it('a prompt on a cached slice runs the decoder only', async () => {
    const r = await engine.promptSlice(
      volume,
      15,
      { kind: 'box', from: { a: 40, b: 30 }, to: { a: 90, b: 70 } },
      { volumeKey: 'sm', value: 200, colorRgb: [255, 0, 0] },
    );
    expect(r.timingsMs.encodedSlices).toBe(0);
    expect(r.timingsMs.encoderMs).toBe(0);
    expect(r.timingsMs.slices).toBe(1);
  }, 60_000);

  it('propagates a prompt slice by slice, each prompted with the box of the mask before it', async () => {
    // A stand-in decoder whose mask is the prompt box shrunk by one pixel on every side, so the
    // propagation must carry the box along and stop where the mask collapses.
    const S = manifest.preprocessing.inputSize;
    const original = engine.decoderOnly.bind(engine);
    const boxes: number[][] = [];
    engine.decoderOnly = async (_embeddings, prompts) => {
      const [x0, y0, x1, y1] = [...prompts![0]!.coords].map(Math.round);
      boxes.push([x0, y0, x1, y1]);
      const promptLogits = new Float32Array(S * S).fill(-1);
      for (let y = y0 + 1; y < y1; y++) for (let x = x0 + 1; x < x1; x++) promptLogits[y * S + x] = 1;
      return { classLogits: new Float32Array(0), promptLogits };
    };
    let result;
    try {
      result = await engine.promptSlice(
        volume,
        15,
        { kind: 'box', from: { a: 50, b: 40 }, to: { a: 60, b: 50 } },
        { volumeKey: 'sm', value: 200, colorRgb: [255, 0, 0], propagate: true },
      );
    } finally {
      engine.decoderOnly = original;
    }
    const [nx, ny] = volume.dims;
    const perSlice = new Array<number>(volume.dims[2]).fill(0);
    result.segmentation.layers[0].forEach((v, n) => {
      if (v) perSlice[Math.floor(n / (nx * ny))]++;
    });
    const withMask = perSlice.flatMap((c, k) => (c > 0 ? [k] : []));
    // A 10-voxel box shrinks by 2 per slice: slice 15 plus 3 slices each way keep >= 4 pixels.
    expect(withMask).toEqual([12, 13, 14, 15, 16, 17, 18]);
    expect(perSlice[15]).toBeGreaterThan(perSlice[16]);
    expect(perSlice[16]).toBeGreaterThan(perSlice[17]);
    expect(perSlice[16]).toBe(perSlice[14]);
    // Each neighbour was prompted with the previous mask's box: one pixel in from the last box.
    expect(boxes[1]).toEqual([boxes[0][0] + 1, boxes[0][1] + 1, boxes[0][2] - 1, boxes[0][3] - 1]);
    expect(result.segmentation.segments).toEqual([
      { value: 200, layer: 0, name: 'lesion', colorRgb: [255, 0, 0] },
    ]);
  }, 60_000);

  it('every run normalises the study once: prompts reuse the map the segmentation made', async () => {
    const map = engine.normalisation(volume, 'sm');
    const keys: string[] = [];
    const original = engine.normalisation.bind(engine);
    engine.normalisation = (v, key) => {
      keys.push(key);
      return original(v, key);
    };
    try {
      await engine.promptSlice(
        volume,
        12,
        { kind: 'box', from: { a: 40, b: 30 }, to: { a: 90, b: 70 } },
        { volumeKey: 'sm', value: 200, colorRgb: [255, 0, 0] },
      );
      await engine.segmentVolume(volume, { volumeKey: 'sm' });
    } finally {
      engine.normalisation = original;
    }
    expect(keys).toEqual(['sm', 'sm']);
    expect(engine.normalisation(volume, 'sm')).toBe(map);
    engine.forget('sm-other');
    expect(engine.normalisation(volume, 'sm')).toBe(map);
  }, 60_000);

  it('neutral intervention inputs give the same logits as none', async () => {
    const emb = await engine.decoderOnly([engine.cache.get('sm#10')!]);
    const K = manifest.classes.length;
    const C8 = manifest.intervention.featureDim!;
    const S = manifest.preprocessing.inputSize;
    const explicit = await engine.decoderOnly([engine.cache.get('sm#10')!], undefined, {
      filmScale: new Float32Array(K * C8).fill(1),
      filmShift: new Float32Array(K * C8),
      gate: new Float32Array(K * S * S).fill(0.5),
    });
    expect(explicit.classLogits).toEqual(emb.classLogits);
  }, 60_000);

  it('stops at the batch in flight when cancelled, without a result', async () => {
    const controller = new AbortController();
    const reported: number[] = [];
    const run = engine.segmentVolume(volume, {
      volumeKey: 'sm-cancel',
      signal: controller.signal,
      onProgress: (fraction) => {
        reported.push(fraction);
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(SegmentationCancelledError);
    // Cancelled at the first batch: no later batch was segmented (an order, not a wall-clock time).
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeLessThan(1);
  }, 60_000);

  it('segments a coronal MR slab coronally, onto the input grid, and finds the kidneys there', async () => {
    // Real MR (ukat-mr-kidneys, Philips 3 T, 128 × 128 × 9 coronal, 5.5 mm apart; validation data,
    // never trained on). The shipped model knows axial slices only; resliced axially (128 slices of
    // 128 × 9) it found no kidney. Now it takes the study's 9 coronal slices, writes back on its
    // grid, and its right kidney overlaps the study's right-kidney ROI.
    const mr = { ...(await loadPaths([coronalMr])).series[0].volume, modality: 'MR' };
    const r = await engine.segmentVolume(mr, { volumeKey: 'ukat' });
    expect(r.segmentation.dims).toEqual(mr.dims);
    expect(r.timingsMs.encodedSlices).toBe(9);
    const labels = r.segmentation.layers[0];
    expect(labels.length).toBe(mr.voxels.length);
    const roi = (await loadPaths([coronalMr.replace('.nii.gz', '_roi-R.nii.gz')])).series[0].volume.voxels;
    const right = structureByName('kidney_right')!.id;
    let both = 0;
    let predicted = 0;
    let truth = 0;
    labels.forEach((v, n) => {
      const inRoi = roi[n] > 0.5;
      if (v === right) predicted++;
      if (inRoi) truth++;
      if (inRoi && v === right) both++;
    });
    expect(truth).toBeGreaterThan(0);
    expect((2 * both) / (predicted + truth)).toBeGreaterThan(0.3);
  }, 180_000);

  it('the worker job runner reports refusals as such', async () => {
    const messages: FromWorker[] = [];
    const runner = new JobRunner((m) => messages.push(m));
    const flat = { ...volume, dims: [122, 101 * 30, 1] as Volume['dims'] };
    runner.handle({
      type: 'run',
      id: 7,
      job: { kind: 'segment', model: { dir: demoDir, manifest }, volumeKey: 'flat' },
      volume: flat,
    });
    await expect.poll(() => messages.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(messages[0]).toMatchObject({ type: 'error', id: 7, kind: 'refused' });
  }, 60_000);
});
