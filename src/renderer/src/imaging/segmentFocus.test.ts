import { describe, expect, it } from 'vitest';
import type { Segmentation, Vec3 } from '../../../shared/volume';
import { segmentFocus } from './segmentFocus';

const dims: Vec3 = [20, 16, 30];
const index = (i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

/**
 * Two blocks far apart along k with nothing between them: value 1 at k 2…9, value 2 (slightly smaller
 * in-plane) at k 20…27. Their joint centroid lies at k ≈ 13.5, in the empty gap.
 */
function twoStructures(): Segmentation {
  const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = 2; k < 10; k++)
    for (let j = 3; j < 9; j++) for (let i = 2; i < 12; i++) labels[index(i, j, k)] = 1;
  for (let k = 24; k < 27; k++)
    for (let j = 10; j < 13; j++) for (let i = 14; i < 17; i++) labels[index(i, j, k)] = 2;
  return {
    dims,
    spacingMm: [1, 1, 1],
    originLps: [0, 0, 0],
    axesLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    layers: [labels],
    segments: [
      { value: 1, layer: 0, name: 'liver', colorRgb: [221, 130, 101] },
      { value: 2, layer: 0, name: 'spleen', colorRgb: [157, 108, 162] },
    ],
  };
}

describe('segmentFocus', () => {
  it('lands on a structure, not in the empty space between the structures found', () => {
    const seg = twoStructures();
    const p = segmentFocus(seg, 2)!;
    expect(seg.layers[0][index(...p)]).not.toBe(0);
    // Not the centroid's slice (in the gap) but the slice with most voxels, in the larger block, at its centre.
    expect(p[2]).toBeGreaterThanOrEqual(2);
    expect(p[2]).toBeLessThan(10);
    expect(p[0]).toBeGreaterThanOrEqual(6);
    expect(p[0]).toBeLessThanOrEqual(7);
  });

  it('goes to the selected segment when one is asked for, along any view axis', () => {
    const seg = twoStructures();
    for (const axis of [0, 1, 2] as const) {
      const p = segmentFocus(seg, axis, [2])!;
      expect(seg.layers[0][index(...p)]).toBe(2);
    }
  });

  it('has nowhere to go for a segment without voxels', () => {
    const seg = twoStructures();
    seg.segments.push({ value: 3, layer: 0, name: 'empty', colorRgb: [1, 2, 3] });
    expect(segmentFocus(seg, 2, [3])).toBeNull();
  });
});
