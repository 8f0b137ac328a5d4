import { describe, expect, it } from 'vitest';
import type { Axes3, Vec3 } from '../../../shared/volume';
import { edgeLabels } from './orientationLabels';
import { slicePositionLabel, viewIndexAxes, viewOrientation, type SliceView } from './viewGeometry';

const labelsOf = (axesLps: Axes3, view: SliceView) => {
  const o = viewOrientation({ axesLps }, view);
  return edgeLabels(o.viewUp, o.viewRight);
};

const identity: Axes3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

describe('view orientation and letters', () => {
  it('follows the radiological convention for an LPS-aligned volume', () => {
    expect(viewIndexAxes({ axesLps: identity })).toEqual({ axial: 2, coronal: 1, sagittal: 0 });
    expect(labelsOf(identity, 'axial')).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    expect(labelsOf(identity, 'coronal')).toEqual({ top: 'S', bottom: 'I', left: 'R', right: 'L' });
    expect(labelsOf(identity, 'sagittal')).toEqual({ top: 'S', bottom: 'I', left: 'A', right: 'P' });
  });

  it('shows the same letters for a volume stored with every axis flipped (e.g. RAS-ordered NIfTI)', () => {
    const flipped: Axes3 = [
      [-1, 0, 0],
      [0, -1, 0],
      [0, 0, -1],
    ];
    for (const view of ['axial', 'coronal', 'sagittal'] as const) {
      expect(labelsOf(flipped, view)).toEqual(labelsOf(identity, view));
    }
    // The camera still looks from the feet although k runs head to feet.
    expect(viewOrientation({ axesLps: flipped }, 'axial').directionOfProjection).toEqual([0, 0, 1]);
  });

  it('picks the right index axis for a sagittal acquisition stored head-first', () => {
    const sagittal: Axes3 = [
      [0, 1, 0],
      [0, 0, -1],
      [1, 0, 0],
    ];
    expect(viewIndexAxes({ axesLps: sagittal })).toEqual({ axial: 1, coronal: 0, sagittal: 2 });
    expect(labelsOf(sagittal, 'sagittal')).toEqual({ top: 'S', bottom: 'I', left: 'A', right: 'P' });
  });

  it('names both directions of a 30° oblique in-plane rotation, strongest first', () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const oblique: Axes3 = [
      [c, s, 0],
      [-s, c, 0],
      [0, 0, 1],
    ];
    expect(viewIndexAxes({ axesLps: oblique })).toEqual({ axial: 2, coronal: 1, sagittal: 0 });
    // Up is the -j direction (0.5, -0.87, 0): mostly anterior, partly left.
    expect(labelsOf(oblique, 'axial')).toEqual({ top: 'AL', bottom: 'PR', left: 'RA', right: 'LP' });
    expect(labelsOf(oblique, 'coronal')).toEqual({ top: 'S', bottom: 'I', left: 'RA', right: 'LP' });
    expect(labelsOf(oblique, 'sagittal')).toEqual({ top: 'S', bottom: 'I', left: 'AL', right: 'PR' });
  });

  it('gives three different axes even for a 45° oblique', () => {
    const h = Math.SQRT1_2;
    const axes = viewIndexAxes({
      axesLps: [
        [h, h, 0],
        [-h, h, 0],
        [0, 0, 1],
      ],
    });
    expect(new Set(Object.values(axes)).size).toBe(3);
  });

  it('labels slice positions in patient terms', () => {
    const p: Vec3 = [-12.34, 5, -80];
    expect(slicePositionLabel('axial', p)).toBe('I 80.0 mm');
    expect(slicePositionLabel('coronal', p)).toBe('P 5.0 mm');
    expect(slicePositionLabel('sagittal', p)).toBe('R 12.3 mm');
  });
});
