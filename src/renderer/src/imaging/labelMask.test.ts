import { describe, expect, it } from 'vitest';
import { voxelToLps, type VolumeGeometry } from '../../../shared/volume';
import { cropMask, indexToLpsInPlace } from './labelMask';

describe('label masks', () => {
  it('crops a segment to its bounding box with one voxel of padding', () => {
    const dims: [number, number, number] = [5, 4, 3];
    const labels = new Uint8Array(60);
    labels[1 + 5 * (2 + 4 * 1)] = 7; // (1, 2, 1)
    labels[3 + 5 * (2 + 4 * 1)] = 7; // (3, 2, 1)
    labels[0] = 2;
    const cropped = cropMask(dims, labels, 7)!;
    expect(cropped.offset).toEqual([0, 1, 0]);
    expect(cropped.dims).toEqual([5, 3, 3]);
    expect(cropped.mask.reduce((a, b) => a + b, 0)).toBe(2);
    expect(cropped.mask[1 + 5 * (1 + 3 * 1)]).toBe(1);
    expect(cropMask(dims, labels, 9)).toBeNull();
  });

  it('maps index-space points to LPS like voxelToLps', () => {
    const g: VolumeGeometry = {
      dims: [10, 10, 10],
      spacingMm: [0.5, 2, 3],
      originLps: [1, 2, 3],
      axesLps: [
        [0, 1, 0],
        [-1, 0, 0],
        [0, 0, -1],
      ],
    };
    const points = new Float32Array([1, 2, 3, 0.5, 0, 9]);
    indexToLpsInPlace(g, points);
    expect([...points.slice(0, 3)]).toEqual(voxelToLps(g, [1, 2, 3]));
    expect([...points.slice(3)]).toEqual(voxelToLps(g, [0.5, 0, 9]));
  });
});
