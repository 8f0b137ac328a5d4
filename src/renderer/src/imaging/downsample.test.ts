import { describe, expect, it } from 'vitest';
import { voxelToLps, type Volume } from '../../../shared/volume';
import { downsampleVolume, renderStride } from './downsample';

const volume: Volume = {
  dims: [5, 4, 3],
  spacingMm: [1, 2, 3],
  originLps: [10, 20, 30],
  axesLps: [
    [0, 1, 0],
    [1, 0, 0],
    [0, 0, -1],
  ],
  voxelType: 'int16',
  voxels: new Int16Array(60).map((_, n) => n),
  modality: 'CT',
};

describe('downsampling for volume rendering', () => {
  it('keeps small volumes as they are', () => {
    expect(downsampleVolume(volume, 1000)).toBe(volume);
  });

  it('takes every f-th voxel and keeps each kept voxel where it was', () => {
    expect(renderStride(volume.dims, 12)).toBe(2);
    const small = downsampleVolume(volume, 12);
    expect(small.dims).toEqual([3, 2, 2]);
    expect(small.spacingMm).toEqual([2, 4, 6]);
    // Output voxel (1, 1, 1) is input voxel (2, 2, 2): value 2 + 5·2 + 20·2 = 52, same position.
    expect(small.voxels[1 + 3 * (1 + 2 * 1)]).toBe(52);
    expect(voxelToLps(small, [1, 1, 1])).toEqual(voxelToLps(volume, [2, 2, 2]));
  });
});
