import { describe, expect, it } from 'vitest';
import { defaultWindowLevel, percentileWindow, sortedSample, valueRange } from './windowLevel';

describe('window/level defaults', () => {
  it('uses the soft-tissue preset for CT whatever the values', () => {
    const sorted = sortedSample(new Int16Array([-1000, 0, 3000]));
    expect(defaultWindowLevel({ modality: 'CT' }, sorted)).toEqual({ window: 400, level: 40 });
  });

  it('spans the 1st to 99th percentile for other modalities, ignoring outliers', () => {
    const voxels = new Uint16Array(1001).map((_, n) => n);
    voxels[1000] = 60000; // one hot pixel must not stretch the window
    const wl = defaultWindowLevel({ modality: 'MR' }, sortedSample(voxels));
    expect(wl.window).toBe(980);
    expect(wl.level).toBe(500);
  });

  it('keeps a positive window for a constant volume', () => {
    expect(percentileWindow(sortedSample(new Float32Array(10).fill(7)))).toEqual({ window: 1, level: 7 });
  });

  it('reports the value range of the sample', () => {
    expect(valueRange(sortedSample(new Int8Array([5, -3, 9])))).toEqual([-3, 9]);
  });
});
