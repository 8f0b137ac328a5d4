import { describe, expect, it } from 'vitest';
import { countLabels, interiorVoxels, volumeMl } from './labelStats';

describe('label statistics', () => {
  it('counts voxels per value and converts them to millilitres', () => {
    const counts = countLabels(new Uint8Array([0, 0, 5, 5, 5, 7]));
    expect([...counts]).toEqual([
      [0, 2],
      [5, 3],
      [7, 1],
    ]);
    expect(volumeMl(1000, [1, 1, 2])).toBe(2);
  });
});

describe('interior voxels', () => {
  it('finds only voxels whose 5×5 in-plane neighbourhood is all the label', () => {
    const dims: [number, number, number] = [9, 9, 2];
    const labels = new Uint8Array(162);
    // A 6×6 block of 5 on slice 1 at i, j = 1…6: interior centres are i, j = 3…4.
    for (let j = 1; j <= 6; j++) for (let i = 1; i <= 6; i++) labels[81 + j * 9 + i] = 5;
    const found = interiorVoxels(dims, labels, 5, 2, 1);
    expect(found).toEqual([
      [3, 3, 1],
      [4, 3, 1],
      [3, 4, 1],
      [4, 4, 1],
    ]);
    expect(interiorVoxels(dims, labels, 5, 2, 0)).toEqual([]);
    expect(interiorVoxels(dims, labels, 5, 2, 1, 2)).toHaveLength(2);
  });
});
