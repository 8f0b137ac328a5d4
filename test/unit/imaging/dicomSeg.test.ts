// DICOM SEG reading and placement, against pydicom's reading of the highdicom test SEGs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Segmentation } from '../../../src/shared/volume';
import { sameGrid } from '../../../src/shared/volume';
import {
  loadDicomFiles,
  loadSegmentationOnto,
  placeSegmentation,
} from '../../../src/main/services/imaging/dicom/index';
import { ctDir, pydicomReference, readFolder, readInput, segDir } from './dicomFixtures';

interface SegReference {
  segments: { number: number; label: string }[];
  counts: Record<string, number>;
  frames: { segment: number; slice: number; voxels: number }[];
}

const segFiles = {
  binary: 'seg_image_ct_binary.dcm',
  overlap: 'seg_image_ct_binary_overlap.dcm',
  fractional: 'seg_image_ct_true_fractional.dcm',
};

function voxelsOf(segmentation: Segmentation, segmentNumber: number, slice?: number): number {
  const info = segmentation.segments.find((s) => s.value === segmentNumber)!;
  const layer = segmentation.layers[info.layer];
  const sliceSize = segmentation.dims[0] * segmentation.dims[1];
  const [from, to] = slice === undefined ? [0, layer.length] : [slice * sliceSize, (slice + 1) * sliceSize];
  let count = 0;
  for (let n = from; n < to; n++) if (layer[n] === segmentNumber) count++;
  return count;
}

function expectMatchesReference(segmentation: Segmentation, reference: SegReference) {
  expect(segmentation.segments.map((s) => s.value)).toEqual(reference.segments.map((s) => s.number));
  expect(segmentation.segments.map((s) => s.name)).toEqual(reference.segments.map((s) => s.label));
  for (const [number, count] of Object.entries(reference.counts)) {
    expect(voxelsOf(segmentation, Number(number)), `segment ${number}`).toBe(count);
  }
  for (const frame of reference.frames) {
    expect(
      voxelsOf(segmentation, frame.segment, frame.slice),
      `segment ${frame.segment} on slice ${frame.slice}`,
    ).toBe(frame.voxels);
  }
}

describe('DICOM SEG loaded with its CT series', () => {
  for (const [kind, file] of Object.entries(segFiles)) {
    it(`places the ${kind} SEG on the series grid, frame by referenced slice`, async () => {
      const reference = pydicomReference<SegReference>('seg', join(segDir, file), ctDir);
      const result = await loadDicomFiles([...readFolder(ctDir), readInput(join(segDir, file))]);
      expect(result.errors).toEqual([]);
      expect(result.series).toHaveLength(1);
      expect(result.segmentations).toHaveLength(1);
      const [source] = result.segmentations;
      expect(source.referencedSeriesInstanceUid).toBe(result.series[0].dicom?.seriesInstanceUid);
      expect(sameGrid(source.segmentation, result.series[0].volume)).toBe(true);
      expectMatchesReference(source.segmentation, reference);
      expect(source.segmentation.segments.every((s) => s.colorRgb.every((c) => c >= 0 && c <= 255))).toBe(
        true,
      );
      // Placing it again on the series it is already on changes nothing.
      const placed = placeSegmentation(source, result.series);
      expect(placed.layers).toEqual(source.segmentation.layers);
    });
  }

  it('puts overlapping segments in different layers', async () => {
    const result = await loadDicomFiles([...readFolder(ctDir), readInput(join(segDir, segFiles.overlap))]);
    const { segmentation } = result.segmentations[0];
    expect(segmentation.segments).toHaveLength(2);
    expect(new Set(segmentation.segments.map((s) => s.layer)).size).toBe(2);
    expect(segmentation.layers).toHaveLength(2);
  });

  it('keeps non-overlapping segments in one layer', async () => {
    const result = await loadDicomFiles([...readFolder(ctDir), readInput(join(segDir, segFiles.binary))]);
    expect(result.segmentations[0].segmentation.layers).toHaveLength(1);
  });
});

describe('DICOM SEG loaded on its own, placed later', () => {
  it('places a SEG onto a series loaded earlier by the source images its frames reference', async () => {
    const { series } = await loadDicomFiles(readFolder(ctDir));
    for (const file of Object.values(segFiles)) {
      const reference = pydicomReference<SegReference>('seg', join(segDir, file), ctDir);
      const segmentation = await loadSegmentationOnto(readInput(join(segDir, file)), series[0]);
      expect(sameGrid(segmentation, series[0].volume)).toBe(true);
      expectMatchesReference(segmentation, reference);
    }
  });

  it('builds a grid from the SEG’s plane positions and resamples it onto a uniform series', async () => {
    // The last three CT2 slices are 1.25 mm apart; the binary SEG covers exactly those.
    const uniform = readFolder(ctDir).slice(1);
    const { series } = await loadDicomFiles(uniform);
    const { segmentations, errors } = await loadDicomFiles([readInput(join(segDir, segFiles.binary))]);
    expect(errors).toEqual([]);
    const [source] = segmentations;
    expect(source.segmentation.dims).toEqual([16, 16, 3]);
    expect(source.segmentation.spacingMm[2]).toBeCloseTo(1.25, 3);
    const placed = placeSegmentation(source, series);
    expect(sameGrid(placed, series[0].volume)).toBe(true);
    const reference = pydicomReference<SegReference>('seg', join(segDir, segFiles.binary), ctDir);
    // Slice k of the three-slice series is slice k + 1 of the full series.
    for (const frame of reference.frames)
      expect(voxelsOf(placed, frame.segment, frame.slice - 1)).toBe(frame.voxels);
  });

  it('spans gaps between SEG frames with empty slices on its own grid', async () => {
    const { segmentations } = await loadDicomFiles([readInput(join(segDir, segFiles.overlap))]);
    const { segmentation } = segmentations[0];
    // Frames at z = −99.48 and 103.02…105.52 mm on a 1.25 mm step: 165 slices.
    expect(segmentation.dims).toEqual([16, 16, 165]);
    expect(voxelsOf(segmentation, 1, 0)).toBe(16);
    expect(voxelsOf(segmentation, 1, 162)).toBe(16);
    expect(voxelsOf(segmentation, 1, 1)).toBe(0);
  });

  it('refuses to place a SEG when its series is not among those given', async () => {
    const { series } = await loadDicomFiles(
      readFolder(join(segDir, '../niivue/vs_seg_001_t1c_dicom')).slice(0, 2),
    );
    const { segmentations } = await loadDicomFiles([readInput(join(segDir, segFiles.binary))]);
    expect(() => placeSegmentation(segmentations[0], series)).toThrow(
      /references series .* not among the loaded series/,
    );
  });
});
