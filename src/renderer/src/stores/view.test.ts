import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Volume } from '../../../shared/volume';
import { useViewStore } from './view';

const mr: Volume = {
  dims: [4, 4, 10],
  spacingMm: [1, 1, 1],
  originLps: [0, 0, 0],
  axesLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  voxelType: 'float32',
  voxels: new Float32Array(160).map((_, n) => n / 160),
  modality: 'MR',
};

describe('view store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('starts in the middle slice with a percentile window', () => {
    const view = useViewStore();
    view.reset(mr);
    expect([view.sliceIndex, view.sliceCount]).toEqual([5, 10]);
    // 1st and 99th percentiles of n/160 for n = 0…159 are samples 2 and 157.
    expect(view.windowWidth).toBeCloseTo(155 / 160, 6);
    expect(view.windowLevel).toBeCloseTo(159 / 320, 6);
  });

  it('keeps the slice inside the volume', () => {
    const view = useViewStore();
    view.reset(mr);
    view.scrollBy(100);
    expect(view.sliceIndex).toBe(9);
    view.scrollBy(-100);
    expect(view.sliceIndex).toBe(0);
  });

  it('never lets the window collapse, even on a 0–1 float volume', () => {
    const view = useViewStore();
    view.reset(mr);
    view.adjustWindowLevel(-10, 0);
    expect(view.windowWidth).toBeGreaterThan(0);
    expect(view.windowWidth).toBeLessThan(0.01);
  });
});
