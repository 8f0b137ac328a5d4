// A label map is placed on a study by patient coordinates (issue #19): as is on the same grid,
// resampled by nearest neighbour where it overlaps (saying so, and leaving out what lies outside),
// refused with the reason where it does not overlap at all.
import { describe, expect, it } from 'vitest';
import { placeLabelMap } from '../../../src/main/services/imaging/labelMaps';
import type { Segmentation, VolumeGeometry } from '../../../src/shared/volume';

const axes: VolumeGeometry['axesLps'] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const study: VolumeGeometry = {
  dims: [10, 10, 10],
  spacingMm: [2, 2, 2],
  originLps: [0, 0, 0],
  axesLps: axes,
};

/** An n³ map of 1 mm voxels at `origin` with a 4 mm cube of label 1 at its start and label 2 at its end. */
function labels(origin: [number, number, number], n = 20): Segmentation {
  const far = n - 4;
  const layer = new Uint8Array(n * n * n);
  for (let k = 0; k < 4; k++)
    for (let j = 0; j < 4; j++)
      for (let i = 0; i < 4; i++) {
        layer[(k * n + j) * n + i] = 1;
        layer[((k + far) * n + j + far) * n + i + far] = 2;
      }
  return {
    dims: [n, n, n],
    spacingMm: [1, 1, 1],
    originLps: origin,
    axesLps: axes,
    layers: [layer],
    segments: [
      { value: 1, layer: 0, name: 'spleen', colorRgb: [1, 2, 3] },
      { value: 2, layer: 0, name: 'kidney_right', colorRgb: [4, 5, 6] },
    ],
  };
}

const count = (seg: Segmentation, value: number) => seg.layers[0].filter((v) => v === value).length;

describe('label map placement', () => {
  it('takes a map on the same grid as it is', () => {
    const same: Segmentation = { ...study, layers: [new Uint8Array(1000).fill(3, 0, 5)], segments: [] };
    expect(placeLabelMap(same, study, '/d/same.nii.gz').kind).toBe('same-grid');
  });

  it('resamples a map on another grid where it overlaps, and says so', () => {
    const placed = placeLabelMap(labels([0, 0, 0], 16), study, '/d/fine.nii.gz');
    expect(placed.kind).toBe('resampled');
    if (placed.kind !== 'resampled') return;
    // 4 mm cubes on a 2 mm grid: 2³ voxels each.
    expect(count(placed.segmentation, 1)).toBe(8);
    expect(count(placed.segmentation, 2)).toBe(8);
    expect(placed.note).toMatch(
      /^fine\.nii\.gz lies on another grid \(16 × 16 × 16 voxels of 1 × 1 × 1 mm\)/,
    );
    expect(placed.note).toMatch(/nearest neighbour; all of it lies inside the study\.$/);
  });

  it('leaves out, and names, what lies outside the study', () => {
    // Shifted so that only label 1 overlaps the study (label 2 lies beyond its far corner).
    const placed = placeLabelMap(labels([10, 10, 10]), study, '/d/shifted.nii.gz');
    expect(placed.kind).toBe('resampled');
    if (placed.kind !== 'resampled') return;
    expect(placed.segmentation.segments.map((s) => s.name)).toEqual(['spleen']);
    expect(count(placed.segmentation, 2)).toBe(0);
    expect(placed.note).toMatch(/50 % of its labelled voxels lie inside the study/);
    expect(placed.note).toMatch(/not on the study at all: kidney_right/);
  });

  it('refuses a map that lies wholly outside the study, with where each lies', () => {
    const placed = placeLabelMap(labels([200, 0, 0]), study, '/d/far.nrrd');
    expect(placed.kind).toBe('refused');
    if (placed.kind !== 'refused') return;
    expect(placed.reason).toMatch(/^lies outside this study: none of its 128 labelled voxels/);
    expect(placed.reason).toMatch(/label map covers L 200…219/);
    expect(placed.reason).toMatch(/the study L 0…18/);
  });
});
