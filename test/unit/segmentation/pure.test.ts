// The pure parts of segmentation: embedding cache, label assembly, prompt encoding, report, memory.
import { describe, expect, it } from 'vitest';
import { EmbeddingCache } from '../../../src/main/services/segmentation/cache';
import { argmaxClasses, classTable, promptMask } from '../../../src/main/services/segmentation/labels';
import { estimateMemory } from '../../../src/main/services/segmentation/memory';
import { sliceFrame } from '../../../src/main/services/segmentation/preprocess';
import { encodePrompt, maskBox, POINT_LABEL } from '../../../src/main/services/segmentation/prompt';
import { buildVolumeReport } from '../../../src/main/services/segmentation/report';
import type { ModelManifest } from '../../../src/shared/modelManifest';
import type { Segmentation, Volume } from '../../../src/shared/volume';
import { demoManifest } from './helpers';

describe('EmbeddingCache', () => {
  it('evicts the least recently used slices beyond its byte bound', () => {
    const cache = new EmbeddingCache(3 * 40);
    for (let k = 0; k < 3; k++) cache.set(EmbeddingCache.key('a', k), new Float32Array(10));
    expect(cache.get(EmbeddingCache.key('a', 0))).toBeDefined(); // 0 is now the most recent
    cache.set(EmbeddingCache.key('a', 3), new Float32Array(10));
    expect(cache.has(EmbeddingCache.key('a', 1))).toBe(false);
    expect(cache.has(EmbeddingCache.key('a', 0))).toBe(true);
    expect(cache.bytes).toBe(120);
    cache.set(EmbeddingCache.key('b', 0), new Float32Array(1000)); // larger than the bound: not kept
    expect(cache.size).toBe(3);
    cache.clear('a');
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});

describe('label assembly', () => {
  it('maps class indices to catalogue ids (given or looked up by name)', () => {
    const table = classTable(demoManifest());
    expect([...table.lut]).toEqual([0, 1, 5, 52]); // liver has no catalogueId in the manifest: 5 by name
    expect(table.segments.map((s) => s.name)).toEqual(['spleen', 'liver', 'aorta']);
    expect(table.maxValue).toBe(52);
  });

  it('refuses a class the catalogue does not know', () => {
    const m = demoManifest();
    m.classes.push({ index: 4, name: 'not_an_organ_xyz', colorRgb: [1, 2, 3] });
    expect(() => classTable(m)).toThrow(/not_an_organ_xyz/);
  });

  it('takes the argmax per pixel in the second batch item, first maximum on ties', () => {
    const K = 3;
    const P = 2;
    const logits = new Float32Array(2 * K * P);
    // batch 1: pixel 0 → class 2, pixel 1 → tie of 0 and 1 → 0
    logits.set([0, 5, 1, 5, 9, 0], K * P);
    expect([...argmaxClasses(logits, 1, K, P)]).toEqual([2, 0]);
    expect([...promptMask(Float32Array.of(-1, 0.5, 0, 2), 1, 2)]).toEqual([0, 1]);
  });
});

const flippedCt = {
  dims: [122, 101, 112],
  spacingMm: [3, 3, 3],
  axesLps: [
    [-1, 0, 0],
    [0, -1, 0],
    [0, 0, 1],
  ],
} as unknown as Volume;

describe('prompt encoding', () => {
  it('turns a voxel box into model (x, y) corners, ordered after the flips', () => {
    const frame = sliceFrame(flippedCt, demoManifest());
    // i runs right→left flipped: i = 121 is model column 0 + pad 3; j flipped likewise (pad 13).
    const p = encodePrompt(frame, { kind: 'box', from: { a: 100, b: 20 }, to: { a: 60, b: 50 } });
    expect([...p.labels]).toEqual([POINT_LABEL.boxTopLeft, POINT_LABEL.boxBottomRight]);
    expect([...p.coords]).toEqual([3 + 121 - 100, 13 + 100 - 50, 3 + 121 - 60, 13 + 100 - 20]);
  });

  it('labels positive and negative points', () => {
    const frame = sliceFrame(flippedCt, demoManifest());
    const p = encodePrompt(frame, {
      kind: 'points',
      points: [
        { a: 121, b: 100, positive: true },
        { a: 0, b: 0, positive: false },
      ],
    });
    expect([...p.coords]).toEqual([3, 13, 124, 113]);
    expect([...p.labels]).toEqual([1, 0]);
  });

  it('boxes a mask', () => {
    const mask = new Uint8Array(16);
    mask[1 * 4 + 2] = 1;
    mask[3 * 4 + 1] = 1;
    expect(maskBox(mask, 4)).toEqual({ x0: 1, y0: 1, x1: 2, y1: 3, area: 2 });
    expect(maskBox(new Uint8Array(16), 4)).toBeNull();
  });
});

describe('volume report', () => {
  it('gives voxels, mL and the LPS bounding box per structure with the model', () => {
    const layer = new Uint8Array(4 * 3 * 2);
    layer[0] = 5; // (0,0,0)
    layer[1 + 2 * 4 + 1 * 12] = 5; // (1,2,1)
    layer[3] = 1;
    const seg: Segmentation = {
      dims: [4, 3, 2],
      spacingMm: [2, 2, 5],
      originLps: [10, 20, 30],
      axesLps: [
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ],
      layers: [layer],
      segments: [
        { value: 1, layer: 0, name: 'spleen', colorRgb: [1, 1, 1] },
        { value: 5, layer: 0, name: 'liver', colorRgb: [2, 2, 2] },
        { value: 7, layer: 0, name: 'aorta', colorRgb: [3, 3, 3] },
      ],
    };
    const { report, csv, json } = buildVolumeReport(seg, { id: 'm', version: '1.2.3' });
    const liver = report.structures.find((s) => s.name === 'liver')!;
    expect(liver).toMatchObject({
      voxels: 2,
      volumeMl: 0.04,
      bboxMinLps: [8, 16, 30],
      bboxMaxLps: [10, 20, 35],
    });
    expect(report.structures.find((s) => s.name === 'aorta')).toMatchObject({ voxels: 0, bboxMinLps: null });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^label,name,voxels,volume_ml,bbox_min_l_mm/);
    expect(lines[2]).toBe('5,liver,2,0.04,8,16,30,10,20,35,m,1.2.3');
    expect(JSON.parse(json).model).toEqual({ id: 'm', version: '1.2.3' });
  });
});

describe('memory estimate', () => {
  it('adds up weights, batches, cache and the label map', () => {
    const m = {
      ...demoManifest(),
      files: { encoder: { bytes: 1000 }, decoder: { bytes: 500 } },
      encoder: {
        inputs: [{ name: 'image', shape: ['B', 3, 128, 128] }],
        outputs: [{ name: 'embeddings', shape: ['B', 128, 16, 16] }],
      },
      decoder: { inputs: [{ name: 'gate', shape: ['B', 13, 128, 128] }], outputs: [] },
    } as unknown as ModelManifest;
    const frame = sliceFrame(flippedCt, m);
    const e = estimateMemory(m, frame, 1000, {
      batch: 2,
      cacheBytes: 1e9,
      percentileSort: false,
      studyBytes: 4000,
    });
    expect(e.parts['model weights']).toBe(3000);
    expect(e.parts['encoder input batch']).toBe(2 * 3 * 128 * 128 * 4);
    expect(e.parts['embeddings (cached slices)']).toBe(112 * 128 * 16 * 16 * 4);
    expect(e.parts['decoder inputs and outputs (one batch)']).toBe(2 * 13 * 128 * 128 * 4);
    expect(e.bytes).toBe(Object.values(e.parts).reduce((a, b) => a + b, 0));
  });
});
