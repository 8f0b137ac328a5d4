// The encoder input must be what training fed the model: compared here with
// training/data/preprocess.py itself on a CT (3 mm), an oblique 1 mm MR (resampling, percentiles),
// an NRRD MR and a coronal MR slab sliced coronally (a slab is segmented in its own plane).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPaths } from '../../../src/main/services/imaging/load';
import {
  intensityMap,
  nearestPixels,
  percentile,
  preprocessSlice,
  pyRound,
  sliceFrame,
  voxelToPixel,
  writeSliceBack,
} from '../../../src/main/services/segmentation/preprocess';
import type { Volume } from '../../../src/shared/volume';
import { requireData, sharedFile } from '../requireData';
import {
  breastMr,
  coronalMr,
  demoManifest,
  exampleCt,
  exampleCtData,
  flair,
  trainingPython,
} from './helpers';

const allPlanes = { planes: ['axial', 'coronal', 'sagittal'] as ('axial' | 'coronal' | 'sagittal')[] };

describe('pure geometry', () => {
  it('rounds like Python (halves to even)', () => {
    expect([0.5, 1.5, 2.5, 40.5, 41.33, -0.5].map(pyRound)).toEqual([0, 2, 2, 40, 41, -0]);
  });

  it('percentile interpolates like numpy', () => {
    const sorted = Float32Array.from([1, 2, 3, 4, 10]);
    expect(percentile(sorted, 50)).toBe(3);
    expect(percentile(sorted, 90)).toBeCloseTo(7.6, 5);
  });

  it('maps an LPS-flipped grid onto rows A→P and columns R→L and back', () => {
    const volume = {
      dims: [10, 8, 4],
      spacingMm: [3, 3, 3],
      axesLps: [
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ],
    } as unknown as Volume;
    const frame = sliceFrame(volume, demoManifest({ inputSize: 16 }));
    expect(frame.sliceAxis).toBe(2);
    expect(frame.col).toMatchObject({ axis: 0, flip: true, resampled: 10, offset: 3 });
    expect(frame.row).toMatchObject({ axis: 1, flip: true, resampled: 8, offset: 4 });
    // Voxel i = 9 is the patient's rightmost: model column 0 after the pad of 3.
    expect(voxelToPixel(frame.col, 9)).toBe(3);
    expect(voxelToPixel(frame.col, 0)).toBe(12);
    const classes = new Uint8Array(16 * 16);
    classes[4 * 16 + 3] = 1; // model row 4 (j = 7), column 3 (i = 9)
    const out = new Uint8Array(10 * 8 * 4);
    writeSliceBack(frame, volume.dims, 2, classes, [0, 42], out, {
      col: nearestPixels(frame.col, 16),
      row: nearestPixels(frame.row, 16),
    });
    expect(out[2 * 80 + 7 * 10 + 9]).toBe(42);
    expect(out.reduce((a, b) => a + b, 0)).toBe(42);
  });

  // A coronal slab stored as NIfTI often is: i → patient left, j → superior, k → posterior (5.5 mm).
  const coronalSlab = {
    dims: [10, 8, 4],
    spacingMm: [3, 3, 5.5],
    axesLps: [
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ],
  } as unknown as Volume;

  it('slices a coronal slab coronally for a model trained on all planes: rows S→I, columns R→L', () => {
    const frame = sliceFrame(coronalSlab, demoManifest({ inputSize: 16, ...allPlanes }));
    expect(frame).toMatchObject({ sliceAxis: 2, plane: 'coronal', slices: 4, obliquityDeg: 0 });
    expect(frame.col).toMatchObject({ axis: 0, flip: false, resampled: 10, offset: 3 });
    // j runs toward superior; model rows run superior → inferior, so j is read backwards.
    expect(frame.row).toMatchObject({ axis: 1, flip: true, resampled: 8, offset: 4 });
    // The most superior voxel row (j = 7) is model row 4 (after the pad of 4); i = 0 (patient
    // right) is model column 3.
    expect(voxelToPixel(frame.row, 7)).toBe(4);
    expect(voxelToPixel(frame.col, 0)).toBe(3);
  });

  it('writes a coronal mask back onto the exact voxels of the input grid', () => {
    const frame = sliceFrame(coronalSlab, demoManifest({ inputSize: 16, ...allPlanes }));
    const classes = new Uint8Array(16 * 16);
    classes[4 * 16 + 3] = 1; // model row 4 (j = 7, superior), column 3 (i = 0, patient right)
    classes[11 * 16 + 12] = 1; // model row 11 (j = 0, inferior), column 12 (i = 9, patient left)
    const out = new Uint8Array(10 * 8 * 4);
    writeSliceBack(frame, coronalSlab.dims, 1, classes, [0, 7], out);
    const at = (i: number, j: number, k: number) => out[k * 80 + j * 10 + i];
    expect(at(0, 7, 1)).toBe(7);
    expect(at(9, 0, 1)).toBe(7);
    expect(out.reduce((a, b) => a + b, 0)).toBe(14);
  });

  it('slices a slab in its own plane even for a model trained on axial slices only', () => {
    expect(sliceFrame(coronalSlab, demoManifest({ inputSize: 16 }))).toMatchObject({
      sliceAxis: 2,
      plane: 'coronal',
    });
  });

  it('slices near-isotropic volumes axially, thin CT with finer slices than pixels included', () => {
    const iso = { ...coronalSlab, spacingMm: [3, 3, 3] } as unknown as Volume;
    expect(sliceFrame(iso, demoManifest({ inputSize: 16, ...allPlanes }))).toMatchObject({
      sliceAxis: 1,
      plane: 'axial',
    });
    // 0.78 mm pixels, 0.4 mm slices: two equal coarse axes make no slab.
    const thinCt = { ...coronalSlab, spacingMm: [0.78, 0.4, 0.78] } as unknown as Volume;
    expect(sliceFrame(thinCt, demoManifest({ inputSize: 16 }))).toMatchObject({
      sliceAxis: 1,
      plane: 'axial',
    });
    // 4 mm against 3 mm is not yet a slab (SLAB_RATIO 1.5).
    const mild = { ...coronalSlab, spacingMm: [3, 3, 4] } as unknown as Volume;
    expect(sliceFrame(mild, demoManifest({ inputSize: 16 }))).toMatchObject({ sliceAxis: 1, plane: 'axial' });
  });

  it('slices a sagittal slab sagittally: rows S→I, columns A→P', () => {
    const sagittal = {
      dims: [4, 8, 10],
      spacingMm: [5, 3, 3],
      axesLps: [
        [1, 0, 0],
        [0, -1, 0],
        [0, 0, -1],
      ],
    } as unknown as Volume;
    const frame = sliceFrame(sagittal, demoManifest({ inputSize: 16, ...allPlanes }));
    expect(frame).toMatchObject({ sliceAxis: 0, plane: 'sagittal' });
    expect(frame.col).toMatchObject({ axis: 1, flip: true });
    expect(frame.row).toMatchObject({ axis: 2, flip: false });
  });

  it('refuses a 2-D image and a modality the manifest does not name', () => {
    const twoD = {
      dims: [64, 64, 1],
      spacingMm: [1, 1, 1],
      axesLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    };
    expect(() => sliceFrame(twoD as unknown as Volume, demoManifest())).toThrow(/3-D volumes.*64 × 64 × 1/);
    expect(() =>
      intensityMap({ voxels: new Uint8Array(4), modality: 'OT' } as unknown as Volume, demoManifest()),
    ).toThrow(/takes CT or MR images; this one is OT/);
  });
});

async function load(path: string, modality: string): Promise<Volume> {
  const result = await loadPaths([path]);
  const volume = result.series[0].volume;
  return { ...volume, modality };
}

function reference(path: string, modality: string, slices: number[], size: number): Float32Array {
  const out = join(mkdtempSync(join(tmpdir(), 'seg-pp-')), 'ref.bin');
  const script = join(process.cwd(), 'test/unit/segmentation/preprocess_reference.py');
  const run = spawnSync('/usr/bin/python3', [script, path, modality, slices.join(','), out], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(run.stderr);
  const bytes = readFileSync(out);
  const ref = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  expect(ref.length).toBe(slices.length * size * size);
  return ref;
}

describe('preprocessing matches training/data/preprocess.py', () => {
  requireData(exampleCtData, sharedFile(flair), sharedFile(breastMr), sharedFile(coronalMr), trainingPython);
  const cases: [string, string, string][] = [
    ['CT, 3 mm, flipped L/P axes', exampleCt, 'CT'],
    ['MR, 1 mm oblique (resampled, percentiles)', flair, 'MR'],
    ['MR NRRD', breastMr, 'MR'],
    ['coronal MR slab, sliced coronally', coronalMr, 'MR'],
  ];
  for (const [what, path, modality] of cases) {
    it(
      what,
      async () => {
        const manifest = demoManifest();
        const volume = await load(path, modality);
        const frame = sliceFrame(volume, manifest);
        if (path === coronalMr) expect(frame.plane).toBe('coronal');
        const slices = [0, Math.floor(frame.slices / 2), frame.slices - 1];
        const S = manifest.preprocessing.inputSize;
        const ref = reference(path, modality, slices, S);
        const map = intensityMap(volume, manifest);
        let worst = 0;
        slices.forEach((k, n) => {
          const mine = preprocessSlice(volume, frame, map, k);
          for (let p = 0; p < S * S; p++) worst = Math.max(worst, Math.abs(mine[p] - ref[n * S * S + p]));
        });
        expect(worst).toBeLessThan(1e-5);
      },
      60_000,
    );
  }
});
