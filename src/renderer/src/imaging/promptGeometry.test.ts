import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../shared/volume';
import {
  insidePlaneBox,
  isDegenerateBox,
  planeAxes,
  planeBox,
  planeToVoxel,
  sliceOf,
  toPlanePoint,
} from './promptGeometry';

const dims: Vec3 = [122, 101, 112];

describe('prompt geometry', () => {
  it('takes the in-plane axes in ascending order, whichever axis is axial', () => {
    expect(planeAxes(2)).toEqual([0, 1]);
    expect(planeAxes(1)).toEqual([0, 2]);
    expect(planeAxes(0)).toEqual([1, 2]);
  });

  it('rounds a continuous position to its voxel and clamps it into the volume', () => {
    expect(toPlanePoint([10.4, 20.6, 55], 2, dims)).toEqual({ a: 10, b: 21 });
    expect(toPlanePoint([-3, 500, 55], 2, dims)).toEqual({ a: 0, b: 100 });
    // A coronally acquired volume: its axial slices run along index axis 1, so b is axis 2.
    expect(toPlanePoint([7.2, 40, 99.9], 1, dims)).toEqual({ a: 7, b: 100 });
    expect(sliceOf([7.2, 40.4, 99.9], 1, dims)).toBe(40);
    expect(sliceOf([0, 0, 400], 2, dims)).toBe(111);
  });

  it('orders the corners of a box dragged in any direction', () => {
    expect(planeBox([80.2, 70, 5], [40.7, 30.1, 5], 2, dims)).toEqual([
      { a: 41, b: 30 },
      { a: 80, b: 70 },
    ]);
    expect(isDegenerateBox(planeBox([5, 5, 5], [5.2, 40, 5], 2, dims))).toBe(true);
    expect(isDegenerateBox(planeBox([5, 5, 5], [9, 40, 5], 2, dims))).toBe(false);
  });

  it('maps plane points back to voxels and tests box membership on the slice only', () => {
    expect(planeToVoxel({ a: 3, b: 4 }, 9, 0)).toEqual([9, 3, 4]);
    expect(planeToVoxel({ a: 3, b: 4 }, 9, 2)).toEqual([3, 4, 9]);
    const box: [{ a: number; b: number }, { a: number; b: number }] = [
      { a: 10, b: 20 },
      { a: 30, b: 40 },
    ];
    expect(insidePlaneBox([10, 40, 7], 7, box, 2)).toBe(true);
    expect(insidePlaneBox([9, 40, 7], 7, box, 2)).toBe(false);
    expect(insidePlaneBox([15, 25, 8], 7, box, 2)).toBe(false);
    // Round trip: a point's voxel lies inside a box made of that point.
    const v = planeToVoxel({ a: 12, b: 33 }, 7, 1);
    expect(insidePlaneBox(v, 7, [toPlanePoint(v, 1, dims), toPlanePoint(v, 1, dims)], 1)).toBe(true);
  });
});
