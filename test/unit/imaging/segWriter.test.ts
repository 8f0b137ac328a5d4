// The DICOM SEG writer on real series, checked by dciodvfy and pydicom against the voxels written.
import { readFileSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import { srgbToDicomLab, writeDicomSeg } from '../../../src/main/services/imaging/dicom/segWriter';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { voxelCount, type Segmentation } from '../../../src/shared/volume';
import {
  CT_DIR,
  MR_DIR,
  dciodvfy,
  emptySegmentation,
  expectFramesMatch,
  expectReadsBack,
  expectSameSegments,
  geometryOf,
  inputFiles,
  loadSeries,
  paintBall,
  paintBox,
  readWithPydicom,
  segWorkDir,
  type PySeg,
} from './segWriterChecks';

const saveSeg = segWorkDir();

describe('writeDicomSeg on the VS-SEG-001 MR slab (512×512×24)', () => {
  let source: LoadedSeries;
  let segmentation: Segmentation;
  let file = '';
  let py: PySeg;

  beforeAll(async () => {
    source = await loadSeries(MR_DIR);
    expect(source.volume.dims).toEqual([512, 512, 24]);
    const g = geometryOf(source);
    const n = voxelCount(g.dims);
    const labels = new Uint8Array(n);
    const region = new Uint16Array(n);
    // An enhancing "tumour" ball (8 mm radius: ~11 slices of 1.5 mm) …
    paintBall(labels, g, [330, 270, 12], 8, 1);
    // … a non-catalogue structure (white_matter has no SNOMED code → Tissue) elsewhere in layer 0 …
    paintBall(labels, g, [150, 200, 3], 3, 2);
    // … and a box in another layer that overlaps the ball on some of its slices.
    paintBox(region, g, [320, 240, 8], [380, 300, 20], 7);
    segmentation = emptySegmentation(
      g,
      [
        { value: 1, layer: 0, name: 'tumour', colorRgb: [255, 0, 0] },
        { value: 7, layer: 1, name: 'Brain', colorRgb: [250, 250, 225] },
        { value: 9, layer: 0, name: 'liver', colorRgb: [221, 130, 101] },
        { value: 2, layer: 0, name: 'white_matter', colorRgb: [20, 200, 30] },
      ],
      [labels, region],
    );
    const bytes = writeDicomSeg(segmentation, source, {
      seriesDescription: 'Causal-SAM tumour',
      // Per segment, as the workstation sends it: only the segment a person edited is SEMIAUTOMATIC.
      algorithm: {
        name: 'Causal-SAM',
        version: '1.0.0',
        type: 'SEMIAUTOMATIC',
        segments: [
          { value: 7, type: 'AUTOMATIC' },
          { value: 2, type: 'MANUAL' },
        ],
      },
      contentCreator: 'Reader^Test',
      now: new Date(2026, 10, 28, 9, 30, 5),
    });
    file = saveSeg(bytes, 'mr-seg.dcm');
    py = readWithPydicom(file, [MR_DIR]);
  });

  it('passes dciodvfy without errors', () => {
    const { errors } = dciodvfy(file);
    expect(errors).toEqual([]);
  });

  it('decodes (pydicom) to exactly the voxels written, on the referenced slices', () => {
    const written = expectFramesMatch(py, segmentation, source, 'all');
    // The empty "liver" is left out; the others keep their order.
    expect(written.map((s) => s.name)).toEqual(['tumour', 'Brain', 'white_matter']);
    expect(py.segmentsOverlap).toBe('YES');
  });

  it('describes each segment with catalogue names, SNOMED CT codes, algorithm and colour', () => {
    expect(py.segments.map((s) => s.label)).toEqual(['lesion', 'brain', 'white_matter']);
    expect(py.segments.map((s) => [s.category, s.type])).toEqual([
      [
        ['49755003', 'SCT'],
        ['52988006', 'SCT'],
      ],
      [
        ['123037004', 'SCT'],
        ['12738006', 'SCT'],
      ],
      [
        ['85756007', 'SCT'],
        ['85756007', 'SCT'],
      ],
    ]);
    expect(py.segments.map((s) => [s.algorithmType, s.algorithmName])).toEqual([
      ['SEMIAUTOMATIC', 'Causal-SAM'],
      ['AUTOMATIC', 'Causal-SAM'],
      ['MANUAL', null],
    ]);
    expect(py.segments[0].lab).toEqual(srgbToDicomLab([255, 0, 0]));
    expect(py.patientName).toBe('VS-SEG-001');
  });

  it('reads back through the SEG reader to the same segments and voxels', async () => {
    await expectReadsBack(file, source, segmentation);
  });
});

describe('writeDicomSeg on the 16×16 CT series', () => {
  it('writes overlapping segments, omits empty slices, and passes dciodvfy', async () => {
    const source = await loadSeries(CT_DIR);
    expect(source.volume.dims).toEqual([16, 16, 4]);
    const g = geometryOf(source);
    const n = voxelCount(g.dims);
    const a = new Uint8Array(n);
    const b = new Uint8Array(n);
    paintBox(a, g, [2, 3, 0], [9, 12, 1], 1); // slices 0–1
    paintBox(b, g, [6, 0, 1], [15, 5, 1], 1); // slice 1, overlapping a
    paintBox(b, g, [0, 15, 3], [0, 15, 3], 1); // one voxel on slice 3; slice 2 stays empty
    const segmentation = emptySegmentation(
      g,
      [
        { value: 1, layer: 0, name: 'liver', colorRgb: [221, 130, 101] },
        { value: 1, layer: 1, name: 'lesion', colorRgb: [255, 0, 0] },
      ],
      [a, b],
    );
    const file = saveSeg(writeDicomSeg(segmentation, source), 'ct-seg.dcm');
    expect(dciodvfy(file).errors).toEqual([]);
    const py = readWithPydicom(file, [CT_DIR]);
    // This series is not evenly spaced (z = −99.5, then 103.0, 104.3, 105.5 mm): frames must still sit
    // on their source files, not on the volume's mean-step grid.
    expectFramesMatch(py, segmentation, source, 'all');
    expect(py.numberOfFrames).toBe(4); // liver 0,1; lesion 1,3
    expect(py.segments.map((s) => s.algorithmType)).toEqual(['MANUAL', 'MANUAL']);
    expect(py.segments.map((s) => s.algorithmName)).toEqual([null, null]);

    // Loaded together with its series, the SEG is placed on it by its source references.
    const both = await loadDicomFiles([
      ...inputFiles(CT_DIR),
      { path: file, bytes: new Uint8Array(readFileSync(file)) },
    ]);
    expect(both.errors).toEqual([]);
    expect(both.segmentations).toHaveLength(1);
    expect(both.segmentations[0].referencedSeriesInstanceUid).toBe(source.dicom!.seriesInstanceUid);
    expectSameSegments(both.segmentations[0].segmentation, segmentation);
  });
});
