import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../shared/volume';
import { fitCamera, screenToWorld, worldToScreen } from './viewCamera';
import { viewOrientation } from './viewGeometry';

const c = Math.cos(Math.PI / 6);
const s = Math.sin(Math.PI / 6);
const g: VolumeGeometry = {
  dims: [100, 80, 40],
  spacingMm: [0.8, 0.8, 2.5],
  originLps: [-40, 10, 30],
  axesLps: [
    [c, s, 0],
    [-s, c, 0],
    [0, 0, -1],
  ],
};

describe('view camera', () => {
  it('maps screen to world and back for every view, zoomed and panned', () => {
    const viewport = { width: 400, height: 300 };
    for (const view of ['axial', 'coronal', 'sagittal'] as const) {
      const o = viewOrientation(g, view);
      const camera = fitCamera(g, o, viewport, 2.5, [12, -7]);
      const world = screenToWorld(o, camera, viewport, 37, 211);
      const [x, y] = worldToScreen(o, camera, viewport, world);
      expect(x).toBeCloseTo(37, 9);
      expect(y).toBeCloseTo(211, 9);
    }
  });

  it('fits the whole volume and zooms about the centre', () => {
    const viewport = { width: 200, height: 200 };
    const o = viewOrientation(g, 'axial');
    const fitted = fitCamera(g, o, viewport);
    // Voxel centres span 99 × 0.8 = 79.2 mm along i; 1 mm is added so a single slice still fits, then 4%.
    expect(fitted.parallelScale).toBeCloseTo((80.2 / 2) * 1.04, 6);
    expect(fitCamera(g, o, viewport, 2).parallelScale).toBeCloseTo(fitted.parallelScale / 2, 9);
  });

  it('moves the image with the pan: a positive x pan moves content right', () => {
    const viewport = { width: 200, height: 200 };
    const o = viewOrientation(g, 'coronal');
    const still = fitCamera(g, o, viewport);
    const panned = fitCamera(g, o, viewport, 1, [10, 0]);
    const p = screenToWorld(o, still, viewport, 100, 100);
    const [x] = worldToScreen(o, panned, viewport, p);
    expect(x).toBeGreaterThan(100);
  });
});
