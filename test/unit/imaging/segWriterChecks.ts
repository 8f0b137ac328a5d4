// Checks of written DICOM SEGs by tools that share no code with the writer: dciodvfy (dicom3tools)
// validates the IOD, pydicom decodes the 1-bit frames and reads the source files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadDicomFiles, loadSegmentationOnto } from '../../../src/main/services/imaging/dicom/index';
import type { InputFile, LoadedSeries } from '../../../src/main/services/imaging/types';
import { structureByName } from '../../../src/shared/anatomy';
import {
  sameGrid,
  voxelToLps,
  type Axes3,
  type SegmentInfo,
  type Segmentation,
  type Vec3,
  type VolumeGeometry,
} from '../../../src/shared/volume';

export const DATA = resolve(__dirname, '../../../../shared/data');
export const MR_DIR = join(DATA, 'niivue/vs_seg_001_t1c_dicom');
export const CT_DIR = join(DATA, 'highdicom-pydicom/pydicom_CT2');
/** Only this interpreter sees python3-pydicom. */
const PYTHON = '/usr/bin/python3';

export function inputFiles(dir: string): InputFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return { path, bytes: new Uint8Array(readFileSync(path)) };
    });
}

export async function loadSeries(dir: string): Promise<LoadedSeries> {
  const result = await loadDicomFiles(inputFiles(dir));
  expect(result.errors).toEqual([]);
  expect(result.series).toHaveLength(1);
  return result.series[0];
}

export function geometryOf(series: LoadedSeries): VolumeGeometry {
  const { dims, spacingMm, originLps, axesLps } = series.volume;
  return { dims, spacingMm, originLps, axesLps };
}

/** Sets `value` in a ball of radiusMm (in mm, so anisotropic voxels are handled) around a voxel index. */
export function paintBall(
  layer: Uint8Array | Uint16Array,
  g: VolumeGeometry,
  centre: Vec3,
  radiusMm: number,
  value: number,
): void {
  const [ni, nj, nk] = g.dims;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const d = [
          (i - centre[0]) * g.spacingMm[0],
          (j - centre[1]) * g.spacingMm[1],
          (k - centre[2]) * g.spacingMm[2],
        ];
        if (d[0] ** 2 + d[1] ** 2 + d[2] ** 2 <= radiusMm ** 2) layer[i + ni * (j + nj * k)] = value;
      }
}

export function paintBox(
  layer: Uint8Array | Uint16Array,
  g: VolumeGeometry,
  from: Vec3,
  to: Vec3,
  value: number,
): void {
  const [ni, nj] = g.dims;
  for (let k = from[2]; k <= to[2]; k++)
    for (let j = from[1]; j <= to[1]; j++)
      for (let i = from[0]; i <= to[0]; i++) layer[i + ni * (j + nj * k)] = value;
}

// What pydicom sees in a SEG (and, for reference, in the source files).
export interface PyFrame {
  segment: number;
  dimensionIndexValues: number[];
  ipp: Vec3;
  sources: {
    sopInstanceUid: string;
    sopClassUid: string;
    purpose: string;
    purposeScheme: string;
    frameNumber: number | null;
  }[];
  derivation: string;
  /** The frame as pydicom's pixel_array decoded it, re-packed little-endian for transport. */
  bits: string;
}
export interface PySeg {
  transferSyntax: string;
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frameOfReferenceUid: string;
  patientId: string;
  patientName: string;
  modality: string;
  manufacturer: string;
  segmentationType: string;
  segmentsOverlap: string;
  bitsAllocated: number;
  rows: number;
  columns: number;
  numberOfFrames: number;
  orientation: number[];
  pixelSpacing: number[];
  sliceThickness: number;
  dimensionPointers: number[];
  referencedSeries: { seriesInstanceUid: string; instances: string[] }[];
  segments: {
    number: number;
    label: string;
    algorithmType: string;
    algorithmName: string | null;
    category: [string, string];
    type: [string, string];
    lab: number[];
  }[];
  frames: PyFrame[];
  source: Record<
    string,
    { ipp: Vec3; patientId: string; studyInstanceUid: string; frameOfReferenceUid: string }
  >;
}

export const PY_READ_SEG = `
import base64, json, os, sys
import numpy as np, pydicom

seg = pydicom.dcmread(sys.argv[1])
code = lambda item: [item.CodeValue, item.CodingSchemeDesignator]
arr = seg.pixel_array
if int(seg.NumberOfFrames) == 1:
    arr = arr[np.newaxis]
frames = []
for n, item in enumerate(seg.PerFrameFunctionalGroupsSequence):
    derivation = item.DerivationImageSequence[0]
    frames.append({
        'segment': int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
        'dimensionIndexValues': [int(v) for v in item.FrameContentSequence[0].DimensionIndexValues],
        'ipp': [float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient],
        'sources': [{
            'sopInstanceUid': s.ReferencedSOPInstanceUID,
            'sopClassUid': s.ReferencedSOPClassUID,
            'purpose': s.PurposeOfReferenceCodeSequence[0].CodeValue,
            'purposeScheme': s.PurposeOfReferenceCodeSequence[0].CodingSchemeDesignator,
            'frameNumber': int(s.ReferencedFrameNumber) if 'ReferencedFrameNumber' in s else None,
        } for s in derivation.SourceImageSequence],
        'derivation': derivation.DerivationCodeSequence[0].CodeValue,
        'bits': base64.b64encode(np.packbits(arr[n].astype(np.uint8).ravel(), bitorder='little').tobytes()).decode(),
    })
source = {}
for folder in sys.argv[2:]:
    for name in sorted(os.listdir(folder)):
        ds = pydicom.dcmread(os.path.join(folder, name), stop_before_pixels=True)
        source[ds.SOPInstanceUID] = {
            'ipp': [float(v) for v in ds.ImagePositionPatient],
            'patientId': ds.PatientID,
            'studyInstanceUid': ds.StudyInstanceUID,
            'frameOfReferenceUid': ds.FrameOfReferenceUID,
        }
shared = seg.SharedFunctionalGroupsSequence[0]
print(json.dumps({
    'transferSyntax': seg.file_meta.TransferSyntaxUID,
    'sopClassUid': seg.SOPClassUID,
    'studyInstanceUid': seg.StudyInstanceUID,
    'seriesInstanceUid': seg.SeriesInstanceUID,
    'sopInstanceUid': seg.SOPInstanceUID,
    'frameOfReferenceUid': seg.FrameOfReferenceUID,
    'patientId': seg.PatientID,
    'patientName': str(seg.PatientName),
    'modality': seg.Modality,
    'manufacturer': seg.Manufacturer,
    'segmentationType': seg.SegmentationType,
    'segmentsOverlap': seg.SegmentsOverlap,
    'bitsAllocated': seg.BitsAllocated,
    'rows': seg.Rows,
    'columns': seg.Columns,
    'numberOfFrames': int(seg.NumberOfFrames),
    'orientation': [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
    'pixelSpacing': [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing],
    'sliceThickness': float(shared.PixelMeasuresSequence[0].SliceThickness),
    'dimensionPointers': [int(d.DimensionIndexPointer) for d in seg.DimensionIndexSequence],
    'referencedSeries': [{
        'seriesInstanceUid': s.SeriesInstanceUID,
        'instances': [i.ReferencedSOPInstanceUID for i in s.ReferencedInstanceSequence],
    } for s in seg.ReferencedSeriesSequence],
    'segments': [{
        'number': int(s.SegmentNumber),
        'label': s.SegmentLabel,
        'algorithmType': s.SegmentAlgorithmType,
        'algorithmName': s.get('SegmentAlgorithmName'),
        'category': code(s.SegmentedPropertyCategoryCodeSequence[0]),
        'type': code(s.SegmentedPropertyTypeCodeSequence[0]),
        'lab': [int(v) for v in s.RecommendedDisplayCIELabValue],
    } for s in seg.SegmentSequence],
    'frames': frames,
    'source': source,
}))
`;

/** A temporary folder for the written SEGs of one test file; returns the function that saves one there. */
export function segWorkDir(): (bytes: Uint8Array, name: string) => string {
  let workDir = '';
  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'segwriter-'));
  });
  afterAll(() => {
    // KEEP_SEG=1 keeps the written SEGs for a look with dcmdump or a viewer.
    if (!process.env.KEEP_SEG) rmSync(workDir, { recursive: true, force: true });
  });
  return (bytes, name) => {
    const file = join(workDir, name);
    writeFileSync(file, bytes);
    return file;
  };
}

/** dciodvfy's findings; it reports on stderr and exits 0 even with errors, so the lines are what count. */
export function dciodvfy(file: string): { errors: string[]; warnings: string[] } {
  const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  expect(run.error).toBeUndefined();
  const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('Error'));
  const warnings = lines.filter((l) => l.startsWith('Warning'));
  console.log(`dciodvfy ${file}:\n  ${lines.join('\n  ')}`);
  return { errors, warnings };
}

export function readWithPydicom(file: string, sourceDirs: string[]): PySeg {
  const run = spawnSync(PYTHON, ['-c', PY_READ_SEG, file, ...sourceDirs], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`pydicom could not read ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as PySeg;
}

export function unpackBits(base64: string, count: number): Uint8Array {
  const packed = Buffer.from(base64, 'base64');
  const out = new Uint8Array(count);
  for (let n = 0; n < count; n++) out[n] = (packed[n >>> 3] >>> (n & 7)) & 1;
  return out;
}

/**
 * The whole check of one written SEG against the segmentation it came from: every non-empty (segment,
 * slice) has exactly one frame, on the right slice by reference and by position, with exactly its voxels.
 */
export function expectFramesMatch(
  py: PySeg,
  segmentation: Segmentation,
  source: LoadedSeries,
  checkSourceFiles: 'all' | 'first' | 'none',
) {
  const [ni, nj, nk] = segmentation.dims;
  const sliceSize = ni * nj;
  const identity = source.dicom!;
  const sliceOf = new Map(identity.slices.map((s, k) => [`${s.sopInstanceUid}|${s.frameNumber ?? null}`, k]));
  // Written segments are those with voxels, numbered in order.
  const written = segmentation.segments.filter((s) =>
    segmentation.layers[s.layer].some((v) => v === s.value),
  );
  expect(py.segments.map((s) => s.number)).toEqual(written.map((_, n) => n + 1));

  const expectedFrames = new Set<string>();
  written.forEach((segment, n) => {
    const layer = segmentation.layers[segment.layer];
    for (let k = 0; k < nk; k++) {
      if (layer.subarray(k * sliceSize, (k + 1) * sliceSize).some((v) => v === segment.value))
        expectedFrames.add(`${n + 1}/${k}`);
    }
  });
  const seen = new Set<string>();
  expect(py.numberOfFrames).toBe(expectedFrames.size);
  expect(py.frames).toHaveLength(expectedFrames.size);
  for (const frame of py.frames) {
    expect(frame.sources).toHaveLength(1);
    const [ref] = frame.sources;
    expect(ref.purpose).toBe('121322');
    expect(ref.purposeScheme).toBe('DCM');
    expect(frame.derivation).toBe('113076');
    const k = sliceOf.get(`${ref.sopInstanceUid}|${ref.frameNumber}`);
    expect(k).toBeDefined();
    expect(ref.sopClassUid).toBe(identity.slices[k!].sopClassUid);
    expect(frame.dimensionIndexValues).toEqual([frame.segment, k! + 1]);
    // The frame lies where slice k was acquired (the grid's position where spacing is uneven) …
    const acquiredIpp = identity.slices[k!].positionLps ?? voxelToLps(source.volume, [0, 0, k!]);
    for (let c = 0; c < 3; c++) expect(frame.ipp[c]).toBeCloseTo(acquiredIpp[c], 3);
    if (checkSourceFiles === 'all' || (checkSourceFiles === 'first' && k === 0)) {
      // … which is the referenced file's own position as pydicom reads it.
      const sourceIpp = py.source[ref.sopInstanceUid].ipp;
      for (let c = 0; c < 3; c++) expect(frame.ipp[c]).toBeCloseTo(sourceIpp[c], 3);
    }
    const key = `${frame.segment}/${k}`;
    expect(expectedFrames.has(key)).toBe(true);
    expect(seen.has(key)).toBe(false);
    seen.add(key);
    const segment = written[frame.segment - 1];
    const layer = segmentation.layers[segment.layer];
    const decoded = unpackBits(frame.bits, sliceSize);
    const expected = new Uint8Array(sliceSize);
    for (let p = 0; p < sliceSize; p++) expected[p] = layer[k! * sliceSize + p] === segment.value ? 1 : 0;
    // Compare as counts first for a readable failure, then exactly.
    expect(decoded.reduce((a, b) => a + b, 0)).toBe(expected.reduce((a, b) => a + b, 0));
    expect(Buffer.from(decoded).equals(Buffer.from(expected))).toBe(true);
  }
  expect(seen.size).toBe(expectedFrames.size);

  // References: the source series with every instance; patient and study as the source's.
  expect(py.referencedSeries).toHaveLength(1);
  expect(py.referencedSeries[0].seriesInstanceUid).toBe(identity.seriesInstanceUid);
  expect(new Set(py.referencedSeries[0].instances)).toEqual(
    new Set(identity.slices.map((s) => s.sopInstanceUid)),
  );
  expect(py.studyInstanceUid).toBe(identity.studyInstanceUid);
  expect(py.frameOfReferenceUid).toBe(identity.frameOfReferenceUid);
  expect(py.seriesInstanceUid).not.toBe(identity.seriesInstanceUid);
  expect(py.seriesInstanceUid).toMatch(/^2\.25\.[1-9]\d*$/);
  expect(py.sopInstanceUid).toMatch(/^2\.25\.[1-9]\d*$/);
  expect(py.sopInstanceUid.length).toBeLessThanOrEqual(64);
  if (checkSourceFiles !== 'none') {
    const anySource = Object.values(py.source)[0];
    expect(py.patientId).toBe(anySource.patientId);
    expect(py.studyInstanceUid).toBe(anySource.studyInstanceUid);
    expect(py.frameOfReferenceUid).toBe(anySource.frameOfReferenceUid);
  }

  // Header basics a SEG reader relies on.
  expect(py.transferSyntax).toBe('1.2.840.10008.1.2.1');
  expect(py.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.66.4');
  expect(py.modality).toBe('SEG');
  expect(py.segmentationType).toBe('BINARY');
  expect(py.bitsAllocated).toBe(1);
  expect([py.rows, py.columns]).toEqual([nj, ni]);
  expect(py.manufacturer).toBe('Causal-SAM Workstation');
  expect(py.dimensionPointers).toEqual([0x0062000b, 0x00200032]);
  const [row, column] = source.volume.axesLps;
  py.orientation.forEach((v, n) => expect(v).toBeCloseTo([...row, ...column][n], 6));
  expect(py.pixelSpacing[0]).toBeCloseTo(source.volume.spacingMm[1], 6);
  expect(py.pixelSpacing[1]).toBeCloseTo(source.volume.spacingMm[0], 6);
  expect(py.sliceThickness).toBeCloseTo(source.volume.spacingMm[2], 6);
  return written;
}

/**
 * The segmentation a SEG reader gives back holds the same segments with the same voxels: its values
 * are SegmentNumbers and its layers its own, so segments are compared voxel set by voxel set.
 */
export function expectSameSegments(read: Segmentation, written: Segmentation): void {
  expect(read.dims).toEqual(written.dims);
  expect(sameGrid(read, written)).toBe(true);
  const kept = written.segments.filter((s) => written.layers[s.layer].some((v) => v === s.value));
  expect(read.segments).toHaveLength(kept.length);
  kept.forEach((segment, n) => {
    const back = read.segments[n];
    expect(back.name).toBe(structureByName(segment.name)?.name ?? segment.name);
    back.colorRgb.forEach((c, m) => expect(Math.abs(c - segment.colorRgb[m])).toBeLessThanOrEqual(2));
    const source = written.layers[segment.layer];
    const target = read.layers[back.layer];
    let differences = 0;
    for (let v = 0; v < source.length; v++) {
      if ((source[v] === segment.value) !== (target[v] === back.value)) differences++;
    }
    expect(differences).toBe(0);
  });
}

export function emptySegmentation(
  g: VolumeGeometry,
  segments: SegmentInfo[],
  layers: (Uint8Array | Uint16Array)[],
) {
  const { dims, spacingMm, originLps, axesLps } = g;
  return { dims, spacingMm, originLps, axesLps: axesLps.map((a) => [...a]) as Axes3, layers, segments };
}

/** The SEG written to `file`, read back onto its source series, holds exactly the segments written. */
export async function expectReadsBack(
  file: string,
  source: LoadedSeries,
  written: Segmentation,
): Promise<void> {
  const back = await loadSegmentationOnto({ path: file, bytes: new Uint8Array(readFileSync(file)) }, source);
  expectSameSegments(back, written);
}
