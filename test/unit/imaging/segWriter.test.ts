// The DICOM SEG writer, checked by tools that share no code with it: dciodvfy (dicom3tools) validates
// the IOD, pydicom decodes the 1-bit frames and reads the source files, and the test compares both
// against the voxels that were written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DicomSegWriteError,
  decimalString,
  dicomLabToSrgb,
  srgbToDicomLab,
  writeDicomSeg,
} from '../../../src/main/services/imaging/dicom/segWriter';
import { loadDicomFiles, loadSegmentationOnto } from '../../../src/main/services/imaging/dicom/index';
import type { InputFile, LoadedSeries } from '../../../src/main/services/imaging/types';
import { structureByName } from '../../../src/shared/anatomy';
import {
  sameGrid,
  voxelCount,
  voxelToLps,
  type Axes3,
  type SegmentInfo,
  type Segmentation,
  type Vec3,
  type VolumeGeometry,
} from '../../../src/shared/volume';

const DATA = resolve(__dirname, '../../../../shared/data');
const MR_DIR = join(DATA, 'niivue/vs_seg_001_t1c_dicom');
const CT_DIR = join(DATA, 'highdicom-pydicom/pydicom_CT2');
/** Only this interpreter sees python3-pydicom. */
const PYTHON = '/usr/bin/python3';

function inputFiles(dir: string): InputFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return { path, bytes: new Uint8Array(readFileSync(path)) };
    });
}

async function loadSeries(dir: string): Promise<LoadedSeries> {
  const result = await loadDicomFiles(inputFiles(dir));
  expect(result.errors).toEqual([]);
  expect(result.series).toHaveLength(1);
  return result.series[0];
}

function geometryOf(series: LoadedSeries): VolumeGeometry {
  const { dims, spacingMm, originLps, axesLps } = series.volume;
  return { dims, spacingMm, originLps, axesLps };
}

/** Sets `value` in a ball of radiusMm (in mm, so anisotropic voxels are handled) around a voxel index. */
function paintBall(
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

function paintBox(
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
interface PyFrame {
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
interface PySeg {
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

const PY_READ_SEG = `
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

let workDir = '';
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'segwriter-'));
});
afterAll(() => {
  // KEEP_SEG=1 keeps the written SEGs for a look with dcmdump or a viewer.
  if (!process.env.KEEP_SEG) rmSync(workDir, { recursive: true, force: true });
});

function saveSeg(bytes: Uint8Array, name: string): string {
  const file = join(workDir, name);
  writeFileSync(file, bytes);
  return file;
}

/** dciodvfy's findings; it reports on stderr and exits 0 even with errors, so the lines are what count. */
function dciodvfy(file: string): { errors: string[]; warnings: string[] } {
  const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  expect(run.error).toBeUndefined();
  const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('Error'));
  const warnings = lines.filter((l) => l.startsWith('Warning'));
  console.log(`dciodvfy ${file}:\n  ${lines.join('\n  ')}`);
  return { errors, warnings };
}

function readWithPydicom(file: string, sourceDirs: string[]): PySeg {
  const run = spawnSync(PYTHON, ['-c', PY_READ_SEG, file, ...sourceDirs], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`pydicom could not read ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as PySeg;
}

function unpackBits(base64: string, count: number): Uint8Array {
  const packed = Buffer.from(base64, 'base64');
  const out = new Uint8Array(count);
  for (let n = 0; n < count; n++) out[n] = (packed[n >>> 3] >>> (n & 7)) & 1;
  return out;
}

/**
 * The whole check of one written SEG against the segmentation it came from: every non-empty (segment,
 * slice) has exactly one frame, on the right slice by reference and by position, with exactly its voxels.
 */
function expectFramesMatch(
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
function expectSameSegments(read: Segmentation, written: Segmentation): void {
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

function emptySegmentation(g: VolumeGeometry, segments: SegmentInfo[], layers: (Uint8Array | Uint16Array)[]) {
  const { dims, spacingMm, originLps, axesLps } = g;
  return { dims, spacingMm, originLps, axesLps: axesLps.map((a) => [...a]) as Axes3, layers, segments };
}

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
    const back = await loadSegmentationOnto(
      { path: file, bytes: new Uint8Array(readFileSync(file)) },
      source,
    );
    expectSameSegments(back, segmentation);
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
    const back = await loadSegmentationOnto(
      { path: file, bytes: new Uint8Array(readFileSync(file)) },
      source,
    );
    expectSameSegments(back, segmentation);
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
    const back = await loadSegmentationOnto(
      { path: file, bytes: new Uint8Array(readFileSync(file)) },
      source,
    );
    expectSameSegments(back, segmentation);
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
