// One volume computation: the panel, the CSV/JSON report and the PACS PDF report agree by construction.
import { describe, expect, it } from 'vitest';
import { segmentVolumes, segmentVoxelCounts } from '../../../src/shared/segmentVolumes';
import { structureVolumes } from '../../../src/main/services/segmentation/report';
import type { Segmentation } from '../../../src/shared/volume';

const dims: [number, number, number] = [4, 3, 2];
const layer0 = new Uint8Array(24);
const layer1 = new Uint16Array(24);
layer0.fill(1, 0, 5); // 5 voxels of value 1
layer0.fill(2, 10, 12); // 2 voxels of value 2
layer1.fill(300, 20, 24); // 4 voxels of value 300, overlapping nothing in layer 0
const segmentation: Segmentation = {
  dims,
  spacingMm: [2, 2, 2.5],
  originLps: [0, 0, 0],
  axesLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  layers: [layer0, layer1],
  segments: [
    { value: 1, layer: 0, name: 'liver', colorRgb: [1, 2, 3] },
    { value: 2, layer: 0, name: 'spleen', colorRgb: [1, 2, 3] },
    { value: 300, layer: 1, name: 'lesion', colorRgb: [1, 2, 3] },
    { value: 7, layer: 0, name: 'empty', colorRgb: [1, 2, 3] },
  ],
};

describe('segmentVolumes', () => {
  it('counts each segment on its own layer and gives mL from the spacing', () => {
    expect(segmentVolumes(segmentation)).toEqual([
      { value: 1, name: 'liver', voxels: 5, volumeMl: 0.05 },
      { value: 2, name: 'spleen', voxels: 2, volumeMl: 0.02 },
      { value: 300, name: 'lesion', voxels: 4, volumeMl: 0.04 },
      { value: 7, name: 'empty', voxels: 0, volumeMl: 0 },
    ]);
    expect([...segmentVoxelCounts(segmentation)].sort((a, b) => a[0] - b[0])).toEqual([
      [1, 5],
      [2, 2],
      [300, 4],
    ]);
  });

  it('is what the volume report lists, with the bounding box beside it', () => {
    const report = structureVolumes(segmentation);
    expect(report.map(({ value, name, voxels, volumeMl }) => ({ value, name, voxels, volumeMl }))).toEqual(
      segmentVolumes(segmentation),
    );
    expect(report[3].bboxMinLps).toBeNull();
    expect(report[2].bboxMinLps).toEqual([0, 4, 2.5]);
  });
});
