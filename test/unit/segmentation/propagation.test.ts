// Following a prompted structure through its slices: the pure rules, then the demo model on the
// sample CT, where a box on one vertebra must give that vertebra and not the whole spine.
// (Reference: TotalSegmentator's labels of the CT, model outputs rather than manual truth.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine } from '../../../src/main/services/segmentation/engine';
import {
  dilateSquare,
  intensityProfile,
  outlineStepPixels,
  structureFit,
  tissueContrast,
  withinReach,
} from '../../../src/main/services/segmentation/propagation';
import type { Volume } from '../../../src/shared/volume';
import { requireData } from '../requireData';
import { demoDir, demoModel, exampleCt, exampleCtData, exampleSeg } from './helpers';

const S = 16;
function square(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(S * S);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * S + x] = 1;
  return mask;
}
const count = (mask: Uint8Array): number => mask.reduce((a, b) => a + b, 0);

describe('propagation rules', () => {
  it('dilates a square by r pixels on every side, clipped at the edges', () => {
    expect(count(dilateSquare(square(6, 6, 8, 8), S, 2))).toBe(36);
    expect(count(dilateSquare(square(0, 0, 1, 1), S, 3))).toBe(16);
    expect(count(dilateSquare(square(6, 6, 8, 8), S, 0))).toBe(4);
  });

  it('lets an outline move about one slice spacing per slice', () => {
    expect(outlineStepPixels(3, 3)).toBe(2);
    expect(outlineStepPixels(1, 3)).toBe(2);
    expect(outlineStepPixels(5.5, 3)).toBe(3);
  });

  it('keeps only the part of the next mask within reach of the previous one', () => {
    const previous = square(2, 2, 6, 6);
    const next = new Uint8Array(S * S);
    next.set(square(3, 3, 7, 7).map((v, p) => v | square(12, 12, 15, 15)[p]));
    const kept = withinReach(next, previous, S, 2);
    expect(count(kept)).toBe(16);
    expect(kept[13 * S + 13]).toBe(0);
  });

  // A bright, even structure in darker, varied surroundings (bone in muscle and fat).
  const image = new Float32Array(S * S);
  for (let p = 0; p < S * S; p++) image[p] = 0.25 + ((p * 7) % 5) * 0.04;
  const structure = square(4, 4, 12, 12);
  structure.forEach((v, p) => {
    if (v) image[p] = 0.8 + ((p % 3) - 1) * 0.02;
  });

  it('profiles a structure and its surroundings on the prompted slice', () => {
    const contrast = tissueContrast(image, structure, S, 3)!;
    expect(contrast.inside.median).toBeCloseTo(0.8, 5);
    expect(contrast.around.median).toBeLessThan(0.5);
    expect(intensityProfile(image, new Uint8Array(S * S))).toBeNull();
  });

  it('fits a mask over the structure and not one over its surroundings', () => {
    const contrast = tissueContrast(image, structure, S, 3)!;
    expect(structureFit(contrast, image, structure)).toBe(1);
    const surroundings = square(0, 0, 16, 4);
    expect(structureFit(contrast, image, surroundings)).toBe(0);
    // Half over the structure, half beside it: the majority rule sits exactly on the edge.
    expect(structureFit(contrast, image, square(8, 4, 16, 12))).toBe(0.5);
  });
});

describe('a box on one vertebra of the sample CT, propagated', () => {
  requireData(exampleCtData, demoModel);
  let engine: SegmentationEngine;
  let volume: Volume;
  let reference: Volume;
  beforeAll(async () => {
    const manifest = await verifyModel(demoDir);
    engine = await SegmentationEngine.create(demoDir, manifest, { intraOpNumThreads: 1 });
    volume = (await loadPaths([exampleCt])).series[0].volume;
    reference = (await loadPaths([exampleSeg])).series[0].volume;
  }, 60_000);
  afterAll(async () => engine?.release());

  it('stops at the discs: the mask covers the vertebra, not the spine above and below it', async () => {
    const L3 = 29;
    const [nx, ny, nz] = volume.dims;
    const refSlices = new Set<number>();
    let best = { k: 0, area: 0 };
    const areas = new Array<number>(nz).fill(0);
    reference.voxels.forEach((v, n) => {
      if (v !== L3) return;
      const k = Math.floor(n / (nx * ny));
      refSlices.add(k);
      areas[k]++;
    });
    areas.forEach((area, k) => {
      if (area > best.area) best = { k, area };
    });
    let [i0, j0, i1, j1] = [nx, ny, -1, -1];
    for (let n = best.k * nx * ny; n < (best.k + 1) * nx * ny; n++) {
      if (reference.voxels[n] !== L3) continue;
      const i = n % nx;
      const j = Math.floor(n / nx) % ny;
      [i0, j0, i1, j1] = [Math.min(i0, i), Math.min(j0, j), Math.max(i1, i), Math.max(j1, j)];
    }
    const r = await engine.promptSlice(
      volume,
      best.k,
      { kind: 'box', from: { a: i0 - 1, b: j0 - 1 }, to: { a: i1 + 1, b: j1 + 1 } },
      { volumeKey: 'ct-L3', value: 1, colorRgb: [255, 0, 0], propagate: true },
    );
    const mask = r.segmentation.layers[0];
    const drawnSlices = new Set<number>();
    let both = 0;
    let drawn = 0;
    let truth = 0;
    mask.forEach((v, n) => {
      const inRef = reference.voxels[n] === L3;
      if (v) drawnSlices.add(Math.floor(n / (nx * ny)));
      drawn += v ? 1 : 0;
      truth += inRef ? 1 : 0;
      both += v && inRef ? 1 : 0;
    });
    const [lo, hi] = [Math.min(...refSlices), Math.max(...refSlices)];
    // The vertebra spans ~15 slices of 3 mm; a run into the next vertebra would pass a disc.
    expect(Math.min(...drawnSlices)).toBeGreaterThanOrEqual(lo - 2);
    expect(Math.max(...drawnSlices)).toBeLessThanOrEqual(hi + 2);
    expect((2 * both) / (drawn + truth)).toBeGreaterThan(0.35);
  }, 120_000);
});
