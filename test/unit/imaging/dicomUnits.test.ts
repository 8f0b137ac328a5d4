// The loader's parts on crafted input: slice geometry, stored-value interpretation, 1-bit frames,
// enhanced multi-frame functional groups, MONOCHROME1, colours, cancellation.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../src/shared/volume';
import { dicomLabToSrgb } from '../../../src/main/services/imaging/dicom/cielab';
import { unpackBitFrame, type PixelLayout } from '../../../src/main/services/imaging/dicom/frames';
import { stackGeometry, type SliceGeometryInput } from '../../../src/main/services/imaging/dicom/geometry';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { outputVoxelType, toStoredValues } from '../../../src/main/services/imaging/dicom/pixels';
import { dataRoot, mrDir, readFolder, readInput } from './dicomFixtures';

interface DcmjsWrite {
  data: {
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
    DicomMetaDictionary: {
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown>;
    };
    DicomMessage: {
      readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, unknown> };
    };
  };
}

// dcmjs has no type declarations; this is the part of its API these tests use.
const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsWrite;

export function readNatural(bytes: Uint8Array): Record<string, unknown> {
  const copy = bytes.slice().buffer as ArrayBuffer;
  const message = dcmjs.data.DicomMessage.readFile(copy);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
}

/** An explicit VR little endian Part 10 file holding `dataset` (which must include PixelData as ArrayBuffer[]). */
export function writeDicom(dataset: Record<string, unknown>): Uint8Array {
  const meta = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.1',
  });
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({ _vrMap: { PixelData: 'OW' }, ...dataset });
  return new Uint8Array(dict.write());
}

const axial = [1, 0, 0, 0, 1, 0];

function stack(
  zs: number[],
  extra: Partial<SliceGeometryInput> = {},
  shift: (k: number) => Vec3 = () => [0, 0, 0],
) {
  return zs.map((z, k) => {
    const [dx, dy, dz] = shift(k);
    return {
      positionLps: [10 + dx, 20 + dy, z + dz] as Vec3,
      orientation: axial,
      pixelSpacing: [0.5, 0.8],
      frameIndex: 0,
      instanceNumber: k + 1,
      ...extra,
    };
  });
}

describe('stackGeometry', () => {
  it('sorts along the normal and takes spacing from positions, column spacing first', () => {
    const g = stackGeometry(stack([4, 0, 2, 6]), 'test');
    expect(g.order).toEqual([1, 2, 0, 3]);
    expect(g.spacingMm).toEqual([0.8, 0.5, 2]);
    expect(g.originLps).toEqual([10, 20, 0]);
    expect(g.axesLps).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(g.warnings).toEqual([]);
  });

  it('points the slice axis along the normal for a sagittal stack', () => {
    const slices = [0, 3, 6].map((x, k) => ({
      positionLps: [x, 0, 0] as Vec3,
      orientation: [0, 1, 0, 0, 0, -1],
      pixelSpacing: [1, 1],
      frameIndex: 0,
      instanceNumber: 3 - k,
    }));
    const g = stackGeometry(slices, 'sagittal');
    // row × column = (0,1,0) × (0,0,−1) = (−1,0,0): increasing x means decreasing normal distance.
    expect(g.axesLps[2]).toEqual([-1, 0, 0]);
    expect(g.order).toEqual([2, 1, 0]);
    expect(g.originLps).toEqual([6, 0, 0]);
    expect(g.spacingMm[2]).toBeCloseTo(3, 9);
  });

  it('reports non-uniform spacing with its range', () => {
    const g = stackGeometry(stack([0, 1, 2, 5]), 'gappy');
    expect(g.spacingMm[2]).toBeCloseTo(5 / 3, 9);
    expect(g.warnings).toEqual([
      expect.stringMatching(/non-uniform slice spacing: steps range from 1 to 3 mm/),
    ]);
  });

  it('reports gantry tilt with its angle', () => {
    const tilt = Math.tan((15 * Math.PI) / 180);
    const g = stackGeometry(
      stack([0, 1, 2, 3], {}, (k) => [0, k * tilt, 0]),
      'tilted',
    );
    expect(g.spacingMm[2]).toBeCloseTo(1, 9);
    expect(g.warnings.join()).toMatch(/gantry tilt of 15\.00°/);
  });

  it('falls back to InstanceNumber when positions are missing, and says so', () => {
    const slices = stack([0, 0, 0], { positionLps: undefined, sliceThickness: 3 }).map((s, k) => ({
      ...s,
      instanceNumber: [3, 1, 2][k],
    }));
    const g = stackGeometry(slices, 'no positions');
    expect(g.order).toEqual([1, 2, 0]);
    expect(g.spacingMm[2]).toBe(3);
    expect(g.warnings.join()).toMatch(/slice positions missing: slices ordered by InstanceNumber/);
  });

  it('refuses slices at the same position and slices of different orientations', () => {
    expect(() => stackGeometry(stack([0, 1, 1, 2]), 'echoes')).toThrow(
      /echoes: 2 or more images share a slice position/,
    );
    const mixed = stack([0, 1, 2]);
    mixed[1].orientation = [0, 1, 0, 0, 0, -1];
    expect(() => stackGeometry(mixed, 'localiser')).toThrow(/different orientations/);
  });
});

const layout = (overrides: Partial<PixelLayout>): PixelLayout => ({
  rows: 1,
  columns: 4,
  bitsAllocated: 16,
  bitsStored: 16,
  highBit: 15,
  pixelRepresentation: 0,
  samplesPerPixel: 1,
  planarConfiguration: 0,
  photometricInterpretation: 'MONOCHROME2',
  ...overrides,
});

describe('stored values', () => {
  it('masks bits above BitsStored and sign-extends from the high bit', () => {
    // 12-bit signed: 0x0FFF = −1, 0x0800 = −2048, 0x07FF = 2047; the top nibble holds overlay bits.
    const raw = new Uint8Array(new Uint16Array([0xf0ff & 0xffff, 0x1800, 0x27ff, 0x0005]).buffer);
    const original = raw.slice();
    const stored = toStoredValues(
      raw,
      2,
      layout({ bitsStored: 12, highBit: 11, pixelRepresentation: 1 }),
      false,
    );
    expect(Array.from(stored.values)).toEqual([255, -2048, 2047, 5]);
    expect([stored.min, stored.max]).toEqual([-2048, 2047]);
    expect(raw).toEqual(original);
  });

  it('swaps big-endian samples', () => {
    const raw = new Uint8Array([0x01, 0x02, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x07]);
    const stored = toStoredValues(raw, 2, layout({ pixelRepresentation: 1 }), true);
    expect(Array.from(stored.values)).toEqual([0x0102, -2, 0, 7]);
  });

  it('mirrors MONOCHROME1 within the stored range', () => {
    const raw = new Uint8Array(new Uint16Array([0, 100, 4095, 2000]).buffer);
    const stored = toStoredValues(
      raw,
      2,
      layout({ bitsStored: 12, highBit: 11, photometricInterpretation: 'MONOCHROME1' }),
      false,
    );
    expect(Array.from(stored.values)).toEqual([4095, 3995, 0, 2095]);
  });

  it('chooses an output type that holds every rescaled value exactly', () => {
    const frame = (min: number, max: number) => ({ values: new Int16Array(), min, max });
    expect(outputVoxelType([{ stored: frame(0, 4095), rescale: { slope: 1, intercept: -1024 } }])).toBe(
      'int16',
    );
    expect(outputVoxelType([{ stored: frame(0, 65535), rescale: { slope: 1, intercept: -1024 } }])).toBe(
      'int32',
    );
    expect(outputVoxelType([{ stored: frame(0, 100), rescale: { slope: 0.5, intercept: 0 } }])).toBe(
      'float32',
    );
    expect(outputVoxelType([{ stored: frame(0, 10), rescale: { slope: 1, intercept: 0.25 } }])).toBe(
      'float32',
    );
  });
});

describe('1-bit frames', () => {
  it('unpacks frames that start inside a byte, least significant bit first', () => {
    // Three 3×3 frames = 27 bits: frame 2 starts at bit 9 (byte 1, bit 1).
    const frames = [
      [1, 0, 0, 0, 1, 0, 0, 0, 1],
      [0, 1, 1, 0, 0, 0, 1, 1, 0],
      [1, 1, 1, 1, 0, 1, 1, 1, 1],
    ].flat();
    const packed = new Uint8Array(4);
    frames.forEach((bit, n) => (packed[n >> 3] |= bit << (n & 7)));
    const l = layout({ rows: 3, columns: 3, bitsAllocated: 1, bitsStored: 1, highBit: 0 });
    expect(Array.from(unpackBitFrame(packed, l, 1, 'seg.dcm'))).toEqual(frames.slice(9, 18));
    expect(Array.from(unpackBitFrame(packed, l, 2, 'seg.dcm'))).toEqual(frames.slice(18, 27));
  });
});

describe('DICOM colours', () => {
  it('converts scaled CIELab to sRGB', () => {
    // White, black and the Lab of sRGB red (L 53.24, a 80.09, b 67.20).
    expect(dicomLabToSrgb([65535, 32896, 32896])).toEqual([255, 255, 255]);
    expect(dicomLabToSrgb([0, 32896, 32896])).toEqual([0, 0, 0]);
    const red = dicomLabToSrgb([
      (53.24 / 100) * 65535,
      ((80.09 + 128) / 255) * 65535,
      ((67.2 + 128) / 255) * 65535,
    ]);
    expect(red.map((c, n) => Math.abs(c - [255, 0, 0][n]) <= 1)).toEqual([true, true, true]);
  });
});

describe('enhanced multi-frame and MONOCHROME1 images', () => {
  const names = readFolder(mrDir).slice(0, 3);

  /** One enhanced MR object holding three slices, stored in reverse order, rescaled by 2x − 5. */
  function enhanced(): Uint8Array {
    const slices = names.map((f) => readNatural(f.bytes));
    const first = slices[0];
    const frameBytes = (slices[0].PixelData as ArrayBuffer[])[0].byteLength;
    const pixels = new Uint8Array(frameBytes * 3);
    [2, 1, 0].forEach((k, n) =>
      pixels.set(new Uint8Array((slices[k].PixelData as ArrayBuffer[])[0]), n * frameBytes),
    );
    return writeDicom({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.4.1',
      SOPInstanceUID: '2.25.4242',
      StudyInstanceUID: first.StudyInstanceUID,
      SeriesInstanceUID: '2.25.4243',
      FrameOfReferenceUID: first.FrameOfReferenceUID,
      Modality: 'MR',
      PatientID: first.PatientID,
      Rows: first.Rows,
      Columns: first.Columns,
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 0,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      NumberOfFrames: 3,
      SharedFunctionalGroupsSequence: [
        {
          PlaneOrientationSequence: [{ ImageOrientationPatient: first.ImageOrientationPatient }],
          PixelMeasuresSequence: [{ PixelSpacing: first.PixelSpacing, SliceThickness: 1.5 }],
          PixelValueTransformationSequence: [{ RescaleSlope: 2, RescaleIntercept: -5, RescaleType: 'US' }],
        },
      ],
      PerFrameFunctionalGroupsSequence: [2, 1, 0].map((k) => ({
        PlanePositionSequence: [{ ImagePositionPatient: slices[k].ImagePositionPatient }],
      })),
      PixelData: [pixels.buffer],
    });
  }

  it('reads per-frame positions and shared orientation, spacing and rescale', async () => {
    const single = (await loadDicomFiles(names)).series[0];
    const { series, errors } = await loadDicomFiles([{ path: 'enhanced.dcm', bytes: enhanced() }]);
    expect(errors).toEqual([]);
    const multi = series[0];
    expect(multi.volume.dims).toEqual(single.volume.dims);
    expect(multi.volume.spacingMm).toEqual(single.volume.spacingMm);
    expect(multi.volume.originLps).toEqual(single.volume.originLps);
    expect(multi.volume.axesLps).toEqual(single.volume.axesLps);
    expect(Array.from(multi.volume.voxels)).toEqual(Array.from(single.volume.voxels, (v) => 2 * v - 5));
    expect(multi.dicom?.slices.map((s) => s.frameNumber)).toEqual([3, 2, 1]);
    expect(multi.dicom?.slices.every((s) => s.sopInstanceUid === '2.25.4242')).toBe(true);
  });

  it('stacks classic multi-frame images along the normal from the first position', async () => {
    const single = (await loadDicomFiles(names)).series[0];
    const slices = names.map((f) => readNatural(f.bytes));
    const frameBytes = (slices[0].PixelData as ArrayBuffer[])[0].byteLength;
    const pixels = new Uint8Array(frameBytes * 3);
    slices.forEach((s, k) => pixels.set(new Uint8Array((s.PixelData as ArrayBuffer[])[0]), k * frameBytes));
    const step = single.volume.spacingMm[2];
    const bytes = writeDicom({
      ...slices[0],
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.3',
      NumberOfFrames: 3,
      SpacingBetweenSlices: step,
      PixelData: [pixels.buffer],
    });
    const { series, errors } = await loadDicomFiles([{ path: 'classic.dcm', bytes }]);
    expect(errors).toEqual([]);
    const { volume } = series[0];
    expect(volume.dims).toEqual(single.volume.dims);
    volume.originLps.forEach((v, n) => expect(v).toBeCloseTo(single.volume.originLps[n], 6));
    expect(volume.spacingMm[2]).toBeCloseTo(step, 6);
    expect(Array.from(volume.voxels)).toEqual(Array.from(single.volume.voxels));
  });

  it('inverts MONOCHROME1 so that higher is brighter, and says so', async () => {
    const [file] = names;
    const dataset = readNatural(file.bytes);
    const { series } = await loadDicomFiles([file]);
    const inverted = writeDicom({
      ...dataset,
      PhotometricInterpretation: 'MONOCHROME1',
      BitsStored: 12,
      HighBit: 11,
    });
    const { series: mono1 } = await loadDicomFiles([{ path: 'mono1.dcm', bytes: inverted }]);
    const original = series[0].volume.voxels;
    expect(Array.from(mono1[0].volume.voxels.subarray(0, 5000))).toEqual(
      Array.from(original.subarray(0, 5000), (v) => 4095 - v),
    );
    expect(mono1[0].warnings.join()).toMatch(/MONOCHROME1 images were inverted/);
  });
});

describe('duplicates and SEG segment names', () => {
  it('loads a file given twice once, with a warning', async () => {
    const files = readFolder(mrDir).slice(0, 3);
    const { series, errors } = await loadDicomFiles([...files, { ...files[1], path: 'copy-of-second.dcm' }]);
    expect(errors).toEqual([]);
    expect(series[0].volume.dims[2]).toBe(3);
    expect(series[0].warnings).toEqual([
      expect.stringMatching(/skipped 1 duplicate file.*copy-of-second\.dcm/),
    ]);
  });

  it('names segments from the catalogue and colours them from their CIELab value', async () => {
    const segPath = join(dataRoot, 'highdicom-pydicom/seg_image_ct_binary_overlap.dcm');
    const dataset = readNatural(readInput(segPath).bytes);
    const segments = dataset.SegmentSequence as Record<string, unknown>[];
    segments[0] = {
      ...segments[0],
      SegmentLabel: 'Kidney, Left',
      RecommendedDisplayCIELabValue: [65535, 32896, 32896],
    };
    segments[1] = {
      ...segments[1],
      SegmentLabel: 'Organ 2',
      SegmentedPropertyTypeCodeSequence: [
        { CodeValue: '78961009', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Spleen' },
      ],
    };
    const { segmentations, errors } = await loadDicomFiles([
      { path: 'named.dcm', bytes: writeDicom(dataset) },
    ]);
    expect(errors).toEqual([]);
    const [kidney, spleen] = segmentations[0].segmentation.segments;
    expect(kidney).toMatchObject({ name: 'kidney_left', colorRgb: [255, 255, 255] });
    // No colour in the file: the catalogue's.
    expect(spleen).toMatchObject({ name: 'spleen', colorRgb: [157, 108, 162] });
  });
});

describe('cancellation', () => {
  it('stops soon after the signal aborts', async () => {
    const files = readFolder(mrDir);
    const controller = new AbortController();
    const reported: number[] = [];
    const loading = loadDicomFiles(files, {
      signal: controller.signal,
      onProgress: (f) => {
        reported.push(f);
        if (f > 0.3) controller.abort();
      },
    });
    await expect(loading).rejects.toMatchObject({ name: 'AbortError' });
    // It stopped before the end (an order, not a wall-clock time): progress never reached the whole.
    expect(Math.max(...reported)).toBeLessThan(1);
  });

  it('does not start when already aborted', async () => {
    await expect(
      loadDicomFiles([readInput(join(mrDir, '1-021.dcm'))], { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
