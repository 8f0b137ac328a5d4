import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Volume } from '../../../shared/volume';
import { useViewStore } from './view';

const mr: Volume = {
  dims: [4, 6, 10],
  spacingMm: [1, 1, 1],
  originLps: [0, 0, 0],
  axesLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  voxelType: 'float32',
  voxels: new Float32Array(240).map((_, n) => n / 240),
  modality: 'MR',
};

const ct: Volume = {
  ...mr,
  voxelType: 'int16',
  voxels: new Int16Array(240).map((_, n) => n * 10 - 1000),
  modality: 'CT',
};

describe('view store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('starts with the crosshair in the middle and a percentile window', () => {
    const view = useViewStore();
    view.reset(mr);
    expect(view.cursor).toEqual([2, 3, 5]);
    expect([view.sliceIndex('axial'), view.sliceCount('axial')]).toEqual([5, 10]);
    expect([view.sliceIndex('coronal'), view.sliceCount('coronal')]).toEqual([3, 6]);
    expect([view.sliceIndex('sagittal'), view.sliceCount('sagittal')]).toEqual([2, 4]);
    // 1st and 99th percentiles of n/240 for n = 0…239 are samples 2 and 237.
    expect(view.windowWidth).toBeCloseTo(235 / 240, 6);
  });

  it('keeps every view inside the volume and scrolls only its own axis', () => {
    const view = useViewStore();
    view.reset(mr);
    view.scrollBy(100, 'axial');
    expect(view.cursor).toEqual([2, 3, 9]);
    view.scrollBy(-100, 'coronal');
    expect(view.cursor).toEqual([2, 0, 9]);
  });

  it('never lets the window collapse, even on a 0–1 float volume', () => {
    const view = useViewStore();
    view.reset(mr);
    view.adjustWindowLevel(-10, 0);
    expect(view.windowWidth).toBeGreaterThan(0);
    expect(view.windowWidth).toBeLessThan(0.01);
  });

  it('applies HU presets to CT and percentiles to MR', () => {
    const view = useViewStore();
    view.reset(ct);
    expect([view.windowWidth, view.windowLevel]).toEqual([400, 40]);
    view.applyPreset('lung');
    expect([view.windowWidth, view.windowLevel]).toEqual([1500, -600]);
    view.reset(mr);
    const auto = [view.windowWidth, view.windowLevel];
    view.applyPreset('bone');
    expect([view.windowWidth, view.windowLevel]).toEqual(auto);
  });
});
