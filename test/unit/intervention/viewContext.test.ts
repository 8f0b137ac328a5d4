import { describe, expect, it } from 'vitest';
import { viewContextSchema } from '../../../src/shared/intervention';
import type { Axes3, Vec3 } from '../../../src/shared/volume';
import { buildViewContext } from '../../../src/shared/viewContext';

const identity: Axes3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const segments = [
  { name: 'liver', voxels: 1200 },
  { name: 'Kidney, Left', voxels: 300 },
  { name: 'spleen', voxels: 0 },
  { name: 'segment_7', voxels: 40 },
];

describe('buildViewContext', () => {
  it('names the catalogue structures present and the axial slice of the cursor', () => {
    const c = buildViewContext({
      dims: [122, 101, 112],
      axesLps: identity,
      cursor: [60, 50, 41],
      segments,
      selected: 'liver',
    });
    expect(c.visibleStructures.sort()).toEqual(['kidney_left', 'liver']);
    expect(c).toMatchObject({
      currentSlice: 41,
      sliceCount: 112,
      superiorIsIncreasingK: true,
      cursor: { i: 60, j: 50, k: 41 },
      selectedStructure: 'liver',
    });
    expect(viewContextSchema.safeParse(c).success).toBe(true);
  });

  it('steps along the volume axis closest to superior–inferior, whatever its index', () => {
    // A sagittal acquisition: i runs feet-ward, so "axial slices" are planes of constant i.
    const sagittal: Axes3 = [
      [0, 0, -1],
      [0, 1, 0],
      [1, 0, 0],
    ];
    const c = buildViewContext({ dims: [200, 90, 40], axesLps: sagittal, cursor: [150, 3, 7], segments });
    expect(c.currentSlice).toBe(150);
    expect(c.sliceCount).toBe(200);
    expect(c.superiorIsIncreasingK).toBe(false);
  });

  it('knows a flipped stack: larger k is inferior', () => {
    const flipped: Axes3 = [identity[0], identity[1], [0, 0.1, -0.995] as Vec3];
    expect(
      buildViewContext({ dims: [4, 4, 4], axesLps: flipped, cursor: [0, 0, 0], segments: [] }),
    ).toMatchObject({ superiorIsIncreasingK: false, visibleStructures: [] });
  });

  it('leaves out a selected segment that is empty or not in the catalogue, and clamps the cursor', () => {
    const empty = buildViewContext({
      dims: [10, 10, 10],
      axesLps: identity,
      cursor: [12, -1, 4.6],
      segments,
      selected: 'spleen',
    });
    expect(empty.selectedStructure).toBeUndefined();
    expect(empty.cursor).toEqual({ i: 9, j: 0, k: 5 });
    expect(empty.currentSlice).toBe(5);
    const custom = buildViewContext({
      dims: [10, 10, 10],
      axesLps: identity,
      cursor: [1, 1, 1],
      segments,
      selected: 'segment_7',
    });
    expect(custom.selectedStructure).toBeUndefined();
  });

  it('without a placed cursor (the command line without --cursor) names the slice but no "here"', () => {
    const c = buildViewContext({
      dims: [10, 10, 10],
      axesLps: identity,
      cursor: [5, 5, 3],
      cursorPlaced: false,
      segments,
    });
    expect(c.currentSlice).toBe(3);
    expect(c.cursor).toBeUndefined();
    expect(viewContextSchema.safeParse(c).success).toBe(true);
  });
});
