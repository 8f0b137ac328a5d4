// The DICOM SEG writer on edge cases: bit packing, multi-frame sources, refusals and its helpers.
import { describe, expect, it } from 'vitest';
import {
  DicomSegWriteError,
  decimalString,
  dicomLabToSrgb,
  srgbToDicomLab,
  writeDicomSeg,
} from '../../../src/main/services/imaging/dicom/segWriter';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { voxelCount, type Segmentation, type Vec3, type VolumeGeometry } from '../../../src/shared/volume';
import {
  dciodvfy,
  emptySegmentation,
  expectFramesMatch,
  expectReadsBack,
  paintBox,
  readWithPydicom,
  segWorkDir,
} from './segWriterChecks';

const saveSeg = segWorkDir();

describe('writeDicomSeg bit packing', () => {
  it('packs 1-bit frames continuously when a frame is not a whole number of bytes (5×3)', async () => {
    const dims: Vec3 = [5, 3, 3];
    const g: VolumeGeometry = {
      dims,
      spacingMm: [0.7, 0.9, 2.5],
      originLps: [-10, 20, 30],
      axesLps: [
        [1, 0, 0],
        [0, 0, -1],
        [0, 1, 0],
      ],
    };
    const slices = [0, 1, 2].map((k) => ({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUid: `2.25.${900 + k}`,
    }));
    const source: LoadedSeries = {
      volume: { ...g, voxelType: 'int16', voxels: new Int16Array(voxelCount(dims)), modality: 'CT' },
      description: 'synthetic',
      path: '/synthetic',
      files: [],
      warnings: [],
      dicom: {
        studyInstanceUid: '2.25.1',
        seriesInstanceUid: '2.25.2',
        frameOfReferenceUid: '2.25.3',
        slices,
        // Non-ASCII names: the SEG declares ISO_IR 192 and must hold them as UTF-8.
        patientStudy: { PatientID: 'SYN', PatientName: [{ Alphabetic: 'Müller^Zoë' }] },
      },
    };
    const layer = new Uint8Array(voxelCount(dims));
    // A pattern that differs in every frame and touches first and last pixels (bits 0 and 14).
    const pattern = [0, 4, 7, 14, 1, 2, 3, 13, 5, 6, 8, 9, 10, 11, 12, 14, 0];
    pattern.forEach((p, n) => (layer[(n % 3) * 15 + p] = 1));
    const other = new Uint8Array(voxelCount(dims));
    other[15 + 4] = 3; // overlaps layer 0 on slice 1
    const segmentation = emptySegmentation(
      g,
      [
        { value: 1, layer: 0, name: 'kidney_left', colorRgb: [205, 122, 103] },
        { value: 3, layer: 1, name: 'something unknown', colorRgb: [1, 2, 3] },
      ],
      [layer, other],
    );
    const file = saveSeg(writeDicomSeg(segmentation, source), 'odd-seg.dcm');
    expect(dciodvfy(file).errors).toEqual([]);
    const py = readWithPydicom(file, []);
    expectFramesMatch(py, segmentation, source, 'none');
    expect(py.numberOfFrames).toBe(4);
    // A name the catalogue does not know is kept as given (and coded as Tissue).
    expect(py.segments[1].label).toBe('something unknown');
    expect(py.segments[1].type).toEqual(['85756007', 'SCT']);
    expect(py.patientName).toBe('Müller^Zoë');
    expect(py.segmentsOverlap).toBe('YES');
    await expectReadsBack(file, source, segmentation);
  });
});

describe('writeDicomSeg on a multi-frame source', () => {
  it('references the frames of one instance by ReferencedFrameNumber', async () => {
    const dims: Vec3 = [8, 6, 3];
    // Oblique (30° about z, then 90° computed with cos/sin): direction cosines with 17 significant
    // digits and ~1e-17 noise, which must reach the file as valid 16-character decimals.
    const c = Math.cos(Math.PI / 6);
    const q = Math.sin(Math.PI / 6);
    const g: VolumeGeometry = {
      dims,
      spacingMm: [0.5, 0.5, 1.25],
      originLps: [-2.123456789012345, -1.5, 40.00000000000001],
      axesLps: [
        [c, q, Math.cos(Math.PI / 2)],
        [-q, c, 0],
        [0, Math.cos(Math.PI / 2), 1],
      ],
    };
    const enhancedCt = '1.2.840.10008.5.1.4.1.1.2.1';
    const source: LoadedSeries = {
      volume: { ...g, voxelType: 'int16', voxels: new Int16Array(voxelCount(dims)), modality: 'CT' },
      description: 'enhanced CT',
      path: '/enhanced.dcm',
      files: ['/enhanced.dcm'],
      warnings: [],
      dicom: {
        studyInstanceUid: '2.25.11',
        seriesInstanceUid: '2.25.12',
        frameOfReferenceUid: '2.25.13',
        slices: [1, 2, 3].map((frameNumber) => ({
          sopClassUid: enhancedCt,
          sopInstanceUid: '2.25.14',
          frameNumber,
        })),
        patientStudy: { PatientID: 'MF' },
      },
    };
    const layer = new Uint8Array(voxelCount(dims));
    paintBox(layer, g, [1, 1, 1], [5, 4, 2], 4);
    const segmentation = emptySegmentation(
      g,
      [{ value: 4, layer: 0, name: 'spleen', colorRgb: [157, 108, 162] }],
      [layer],
    );
    const file = saveSeg(writeDicomSeg(segmentation, source), 'multiframe-seg.dcm');
    expect(dciodvfy(file).errors).toEqual([]);
    const py = readWithPydicom(file, []);
    expectFramesMatch(py, segmentation, source, 'none');
    expect(py.referencedSeries[0].instances).toEqual(['2.25.14']);
    expect(py.frames.map((f) => f.sources[0].frameNumber)).toEqual([2, 3]);
    expect(py.segmentsOverlap).toBe('NO');
    await expectReadsBack(file, source, segmentation);
  });
});

describe('writeDicomSeg refuses what it cannot write', () => {
  const dims: Vec3 = [4, 4, 2];
  const g: VolumeGeometry = {
    dims,
    spacingMm: [1, 1, 1],
    originLps: [0, 0, 0],
    axesLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  };
  const dicomSource = (): LoadedSeries => ({
    volume: { ...g, voxelType: 'int16', voxels: new Int16Array(32), modality: 'CT' },
    description: 'tiny',
    path: '/tiny',
    files: [],
    warnings: [],
    dicom: {
      studyInstanceUid: '2.25.1',
      seriesInstanceUid: '2.25.2',
      frameOfReferenceUid: '2.25.3',
      slices: [
        { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '2.25.10' },
        { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '2.25.11' },
      ],
      patientStudy: {},
    },
  });
  const oneVoxel = (geometry: VolumeGeometry): Segmentation => {
    const layer = new Uint8Array(voxelCount(geometry.dims));
    layer[5] = 1;
    return emptySegmentation(geometry, [{ value: 1, layer: 0, name: 'liver', colorRgb: [1, 2, 3] }], [layer]);
  };

  it('needs a DICOM source', () => {
    const nifti = { ...dicomSource(), dicom: undefined, path: '/data/ct.nii.gz' };
    expect(() => writeDicomSeg(oneVoxel(g), nifti)).toThrow(DicomSegWriteError);
    expect(() => writeDicomSeg(oneVoxel(g), nifti)).toThrow(
      /DICOM SEG needs a DICOM source series.*save as NIfTI instead/,
    );
  });

  it('needs the source grid', () => {
    const shifted = { ...g, originLps: [0, 0, 0.5] as Vec3 };
    expect(() => writeDicomSeg(oneVoxel(shifted), dicomSource())).toThrow(/does not match the grid/);
    const bigger = { ...g, dims: [4, 4, 3] as Vec3 };
    expect(() => writeDicomSeg(oneVoxel(bigger), dicomSource())).toThrow(/does not match the grid/);
  });

  it('needs at least one segment with voxels', () => {
    const empty = emptySegmentation(
      g,
      [{ value: 1, layer: 0, name: 'liver', colorRgb: [1, 2, 3] }],
      [new Uint8Array(32)],
    );
    expect(() => writeDicomSeg(empty, dicomSource())).toThrow(/empty/);
  });
});

describe('writeDicomSeg helpers', () => {
  it('formats decimals to at most 16 characters without losing their magnitude', () => {
    expect(decimalString(0.5)).toBe('0.5');
    expect(decimalString(-62)).toBe('-62');
    for (const value of [
      1.2246467991473532e-16,
      -6.123233995736766e-17,
      -31.146669666666668,
      0.8660254037844387,
      -123456789.12345678,
      1e21,
      -2.051034e-10,
      ...Array.from({ length: 200 }, (_, n) => (Math.sin(n * 12.9898) * 43758.5453) % 10 ** ((n % 12) - 6)),
    ]) {
      const text = decimalString(value);
      expect(text.length).toBeLessThanOrEqual(16);
      expect(text).toMatch(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/);
      expect(Math.abs(Number(text) - value)).toBeLessThanOrEqual(Math.abs(value) * 1e-9);
    }
  });

  it('converts colours to DICOM CIELab and back', () => {
    // dcmjs's D65 white point and sRGB matrix disagree in the 4th digit: white is a few units off neutral.
    srgbToDicomLab([255, 255, 255]).forEach((v, n) =>
      expect(Math.abs(v - [65535, 32896, 32896][n])).toBeLessThan(8),
    );
    expect(srgbToDicomLab([0, 0, 0])).toEqual([0, 32896, 32896]);
    for (const rgb of [
      [255, 0, 0],
      [20, 200, 30],
      [221, 130, 101],
    ] as Vec3[]) {
      dicomLabToSrgb(srgbToDicomLab(rgb)).forEach((c, n) =>
        expect(Math.abs(c - rgb[n])).toBeLessThanOrEqual(1),
      );
    }
  });
});
