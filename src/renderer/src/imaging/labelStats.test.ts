import { describe, expect, it } from 'vitest';
import { countLabels, volumeMl } from './labelStats';

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
