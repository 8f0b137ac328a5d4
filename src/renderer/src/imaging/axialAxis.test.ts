import { describe, expect, it } from 'vitest';
import type { Axes3 } from '../../../shared/volume';
import { axialIndexAxis, axialOrientation } from './axialAxis';

describe('axial orientation', () => {
  it('slices k and looks from the feet with anterior up for an LPS-aligned volume', () => {
    const axesLps: Axes3 = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(axialIndexAxis({ axesLps })).toBe(2);
    expect(axialOrientation({ axesLps })).toEqual({
      directionOfProjection: [0, 0, 1],
      viewUp: [0, -1, 0],
      viewRight: [1, 0, 0],
    });
  });

  it('picks the index axis along superior-inferior for a sagittal acquisition stored head-first', () => {
    const axesLps: Axes3 = [
      [0, 1, 0],
      [0, 0, -1],
      [1, 0, 0],
    ];
    expect(axialIndexAxis({ axesLps })).toBe(1);
    const o = axialOrientation({ axesLps });
    expect(o.directionOfProjection).toEqual([0, 0, 1]);
    expect(o.viewUp).toEqual([0, -1, 0]);
  });
});
