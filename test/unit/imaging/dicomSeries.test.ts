// The DICOM loader on real series, against pydicom's reading of the same files.
import { describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { parseDicom } from '../../../src/main/services/imaging/dicom/parse';
import { ctDir, mrDir, pydicomReference, readFolder } from './dicomFixtures';

function decodeFloat64(base64: string): Float64Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
}

interface SeriesReference {
  count: number;
  rows: number;
  columns: number;
  modality: string;
  iop: number[];
  ippFirst: number[];
  ippLast: number[];
  pixelSpacing: number[];
  sopInstanceUids: string[];
  slices: Record<string, string>;
}

function expectClose(actual: number[], expected: number[], tolerance = 1e-3) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, n) =>
    expect(Math.abs(v - expected[n]), `component ${n}: ${v} vs ${expected[n]}`).toBeLessThan(tolerance),
  );
}

describe('loadDicomFiles on the Vestibular-Schwannoma MR slab', () => {
  const sampled = [0, 11, 23];
  const reference = pydicomReference<SeriesReference>('series', mrDir, ...sampled.map(String));

  it('loads one 512×512×24 MR volume with pydicom’s geometry and voxels', async () => {
    const progress: number[] = [];
    const result = await loadDicomFiles(readFolder(mrDir), { onProgress: (f) => progress.push(f) });
    expect(result.errors).toEqual([]);
    expect(result.series).toHaveLength(1);
    const [series] = result.series;
    const { volume } = series;
    expect(volume.dims).toEqual([reference.columns, reference.rows, reference.count]);
    expect(volume.dims).toEqual([512, 512, 24]);
    expect(volume.modality).toBe('MR');

    const [rowSpacing, columnSpacing] = reference.pixelSpacing;
    const step =
      Math.hypot(...reference.ippLast.map((v, n) => v - reference.ippFirst[n])) / (reference.count - 1);
    expectClose(volume.spacingMm, [columnSpacing, rowSpacing, step]);
    expectClose(volume.originLps, reference.ippFirst);
    expectClose(volume.axesLps[0], reference.iop.slice(0, 3));
    expectClose(volume.axesLps[1], reference.iop.slice(3, 6));
    // The slice axis points from the first slice to the last.
    const last = volume.originLps.map((v, n) => v + (reference.count - 1) * step * volume.axesLps[2][n]);
    expectClose(last, reference.ippLast);

    const sliceSize = 512 * 512;
    for (const k of sampled) {
      const expected = decodeFloat64(reference.slices[String(k)]);
      const actual = volume.voxels.subarray(k * sliceSize, (k + 1) * sliceSize);
      let mismatches = 0;
      for (let n = 0; n < sliceSize; n++) if (actual[n] !== expected[n]) mismatches++;
      expect(mismatches, `slice ${k}`).toBe(0);
    }

    expect(series.dicom?.slices.map((s) => s.sopInstanceUid)).toEqual(reference.sopInstanceUids);
    expect(series.dicom?.slices.every((s) => s.sopClassUid === '1.2.840.10008.5.1.4.1.1.4')).toBe(true);
    expect(series.dicom?.patientStudy.PatientID).toBe('VS-SEG-001');
    expect(series.dicom?.frameOfReferenceUid).toMatch(/^[\d.]+$/);
    expect(series.files).toHaveLength(24);
    expect(series.warnings).toEqual([]);
    expect(progress.length).toBeGreaterThan(24);
    expect(progress.every((f, n) => n === 0 || f >= progress[n - 1])).toBe(true);
    expect(progress.at(-1)).toBe(1);
  });

  it('orders slices by position, not by the order the files arrive in', async () => {
    const files = readFolder(mrDir).reverse();
    const [shuffledFirst] = files.splice(5, 1);
    files.push(shuffledFirst);
    const { series } = await loadDicomFiles(files);
    expect(series[0].dicom?.slices.map((s) => s.sopInstanceUid)).toEqual(reference.sopInstanceUids);
  });
});

describe('native pixel data', () => {
  it('is viewed in the input bytes, not copied', () => {
    const [file] = readFolder(mrDir);
    const pixels = (parseDicom(file).dataset.PixelData as Uint8Array[])[0];
    expect(pixels.buffer).toBe(file.bytes.buffer);
    expect(pixels.byteOffset + pixels.length).toBe(file.bytes.byteOffset + file.bytes.length);
  });

  it('is still found when an element follows it', async () => {
    const files = readFolder(mrDir).slice(0, 2);
    // Implicit VR: (FFFC,FFFC) Data Set Trailing Padding, 4 bytes long.
    const padding = new Uint8Array([0xfc, 0xff, 0xfc, 0xff, 4, 0, 0, 0, 0, 0, 0, 0]);
    const padded = files.map((f) => ({ path: f.path, bytes: new Uint8Array([...f.bytes, ...padding]) }));
    const plain = (await loadDicomFiles(files)).series[0].volume.voxels;
    const { series, errors } = await loadDicomFiles(padded);
    expect(errors).toEqual([]);
    expect(series[0].volume.voxels).toEqual(plain);
  });
});

describe('loadDicomFiles on the pydicom CT2 series', () => {
  it('applies the rescale, warns about the non-uniform spacing and keeps all four slices', async () => {
    const reference = pydicomReference<SeriesReference>('series', ctDir, '0', '1', '2', '3');
    const { series, errors } = await loadDicomFiles(readFolder(ctDir));
    expect(errors).toEqual([]);
    const { volume, warnings } = series[0];
    expect(volume.dims).toEqual([16, 16, 4]);
    expect(volume.modality).toBe('CT');
    expect(volume.voxelType).toBe('int16');
    for (let k = 0; k < 4; k++) {
      expect(Array.from(volume.voxels.subarray(k * 256, (k + 1) * 256))).toEqual(
        Array.from(decodeFloat64(reference.slices[String(k)])),
      );
    }
    expect(warnings.join('\n')).toMatch(/non-uniform slice spacing: steps range from 1\.25 to 202\.5 mm/);
  });
});
