// DICOM as other hospitals' anonymisers and archives write it, made from the shared series with
// pydicom (make_realworld_dicom.py): UIDs blanked, dropped or regenerated per file, odd file names,
// one SOP UID in every file, two series in one folder, every character set, a cut-off file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { writeDicomSeg } from '../../../src/main/services/imaging/dicom/segWriter';
import { ctDir, expectReadableRefusal, mrDir, readFolder, readInput } from './dicomFixtures';

interface Geometry {
  dims: number[];
  originLps: number[];
  sliceSpacing: number;
}
interface Charset {
  path: string;
  terms: string[];
  alphabetic: string;
  ideographic: string;
  phonetic: string;
}
interface Made {
  original: Geometry;
  uids_emptied: { folder: string };
  uids_removed: { folder: string };
  uids_regenerated: { folder: string };
  sop_uid_shared: { folder: string };
  interleaved: { folder: string; mr: Geometry; ct: { dims: number[] } };
  charsets: Record<string, Charset>;
  undecodable: { invalidUtf8: string; unknownCharset: string };
  truncated: { path: string; frames: number };
}

let work: string;
let made: Made;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dicom-realworld-'));
  const script = resolve(__dirname, 'make_realworld_dicom.py');
  const out = execFileSync('/usr/bin/python3', ['-W', 'ignore', script, mrDir, ctDir, work], {
    maxBuffer: 64 * 1024 * 1024,
  });
  made = JSON.parse(out.toString()) as Made;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('anonymised series', () => {
  for (const variant of ['uids_emptied', 'uids_removed', 'uids_regenerated', 'sop_uid_shared'] as const) {
    it(`${variant.replace(/_/g, ' ')}: reads as one series with the original geometry`, async () => {
      const { series, errors } = await loadDicomFiles(readFolder(made[variant].folder));
      expect(errors).toEqual([]);
      expect(series).toHaveLength(1);
      const { volume, warnings, files } = series[0];
      expect(volume.dims).toEqual(made.original.dims);
      volume.originLps.forEach((v, n) => expect(v).toBeCloseTo(made.original.originLps[n], 4));
      expect(volume.spacingMm[2]).toBeCloseTo(made.original.sliceSpacing, 4);
      // Names with commas, spaces and non-ASCII letters are just names.
      expect(files.some((f) => f.includes(', copy é'))).toBe(true);
      if (variant !== 'sop_uid_shared') {
        expect(warnings.join('\n')).toMatch(
          /8 files without a common SeriesInstanceUID .* grouped as one series/,
        );
      }
    });
  }

  it('refuses a DICOM SEG of files it cannot reference one by one, saying to save as NIfTI', async () => {
    for (const variant of ['uids_emptied', 'uids_regenerated', 'sop_uid_shared'] as const) {
      const [series] = (await loadDicomFiles(readFolder(made[variant].folder))).series;
      const { dims, spacingMm, originLps, axesLps } = series.volume;
      const layer = new Uint8Array(dims[0] * dims[1] * dims[2]).fill(1, 0, 100);
      const segmentation = {
        dims,
        spacingMm,
        originLps,
        axesLps,
        layers: [layer],
        segments: [{ value: 1, layer: 0, name: 'liver', colorRgb: [1, 2, 3] as [number, number, number] }],
      };
      expect(() => writeDicomSeg(segmentation, series), variant).toThrow(
        /the source files (have no SeriesInstanceUID in common|share SOPInstanceUIDs between different images).*; save as NIfTI instead/,
      );
    }
  });

  it('two series interleaved in one folder, both without UIDs, read as two', async () => {
    const { series, errors } = await loadDicomFiles(readFolder(made.interleaved.folder));
    expect(errors).toEqual([]);
    const dims = series.map((s) => s.volume.dims).sort((a, b) => a[0] - b[0]);
    expect(dims).toEqual([made.interleaved.ct.dims, made.interleaved.mr.dims]);
  });
});

describe('character sets', () => {
  it('decodes the patient name in every character set DICOM defines', async () => {
    for (const [name, expected] of Object.entries(made.charsets)) {
      const { series, errors } = await loadDicomFiles([readInput(expected.path)]);
      expect(errors, name).toEqual([]);
      const [person] = series[0].dicom!.patientStudy.PatientName as Record<string, string>[];
      expect(
        [person.Alphabetic ?? '', person.Ideographic ?? '', person.Phonetic ?? ''],
        `${name} (${expected.terms.join('\\')})`,
      ).toEqual([expected.alphabetic, expected.ideographic, expected.phonetic]);
      expect(series[0].warnings.join('\n'), name).not.toMatch(/character|decod/);
    }
  });

  it('opens a Japanese ISO 2022 CT with its name decoded and its pixels loaded', async () => {
    const japanese = made.charsets.japanese_iso2022;
    const { series } = await loadDicomFiles([readInput(japanese.path)]);
    expect(series[0].volume.dims).toEqual([512, 512, 1]);
    expect(series[0].dicom!.patientStudy.PatientName).toEqual([
      { Alphabetic: 'ﾔﾏﾀﾞ^ﾀﾛｳ', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' },
    ]);
  });

  it('warns about text it cannot decode and still loads the pixels', async () => {
    const invalid = await loadDicomFiles([readInput(made.undecodable.invalidUtf8)]);
    expect(invalid.errors).toEqual([]);
    expect(invalid.series[0].volume.dims).toEqual([512, 512, 1]);
    expect(invalid.series[0].warnings.join('\n')).toMatch(
      /invalid_utf8\.dcm: text in PatientName is not valid ISO_IR_192; undecodable characters show as �/,
    );
    const unknown = await loadDicomFiles([readInput(made.undecodable.unknownCharset)]);
    expect(unknown.errors).toEqual([]);
    expect(unknown.series[0].warnings.join('\n')).toMatch(
      /unknown_charset\.dcm: its character set ISO_IR_999 is not one DICOM defines; text was read as ISO 8859-1/,
    );
  });
});

describe('truncated pixel data', () => {
  it('refuses a multi-frame file cut inside a frame, naming the frames it lacks', async () => {
    const { series, errors } = await loadDicomFiles([readInput(made.truncated.path)]);
    expect(series).toEqual([]);
    expect(errors).toHaveLength(1);
    expectReadableRefusal(errors[0].message, made.truncated.path);
    expect(errors[0].message).toMatch(
      /truncated_multiframe\.dcm: is truncated: its pixel data has \d+ of 1572864 bytes, so frames 2–3 of 3 are missing or incomplete; copy or export the file again$/,
    );
  });
});
