import { describe, expect, it } from 'vitest';
import { voxelToLps, type Vec3, type Volume } from '../../../shared/volume';
import { toVtkImageData } from './useVtkImageData';

const oblique: Volume = {
  dims: [4, 3, 2],
  spacingMm: [0.5, 0.75, 2],
  originLps: [-10, 20, 35],
  // Rotated 30° about z and stored feet-first: nothing about it is the identity.
  axesLps: [
    [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6), 0],
    [-Math.sin(Math.PI / 6), Math.cos(Math.PI / 6), 0],
    [0, 0, -1],
  ],
  voxelType: 'int16',
  voxels: new Int16Array(24).map((_, n) => n - 12),
  modality: 'CT',
};

describe('toVtkImageData', () => {
  it('wraps the voxel array without copying it', () => {
    const image = toVtkImageData(oblique);
    expect(image.getPointData().getScalars().getData()).toBe(oblique.voxels);
  });

  it('places every voxel where the contract says it is', () => {
    const image = toVtkImageData(oblique);
    for (const index of [
      [0, 0, 0],
      [3, 0, 0],
      [0, 2, 0],
      [0, 0, 1],
      [3, 2, 1],
    ] as Vec3[]) {
      const world = image.indexToWorld(index, [0, 0, 0]);
      const expected = voxelToLps(oblique, index);
      for (let c = 0; c < 3; c++) expect(world[c]).toBeCloseTo(expected[c], 9);
    }
  });
});

describe('toVtkImageData with a known range', () => {
  it('keeps the given range instead of scanning voxels that have not arrived yet', () => {
    const streaming = { ...oblique, voxels: oblique.voxels.slice() };
    const image = toVtkImageData(streaming, [-1024, 3071]);
    const scalars = image.getPointData().getScalars();
    streaming.voxels.set([5000], 0);
    scalars.modified();
    expect([...scalars.getRange(0)]).toEqual([-1024, 3071]);
  });
});
