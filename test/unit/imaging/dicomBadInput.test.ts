// Unusable files produce one error each, naming the file and the problem, while the rest still load.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { convert, expectReadableRefusal, mrDir, readFolder, readInput, requireTools } from './dicomFixtures';

requireTools(['dcmodify', 'pdf2dcm', 'dcmconv', 'dcmmkdir']);
let work: string;
const mrNames = readdirSync(mrDir).sort();

/** pydicom edits of an MR slice: mode, source, destination. */
const craft = `import sys, numpy as np, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
mode, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
ds = pydicom.dcmread(src)
if mode == 'half-size':
    pixels = ds.pixel_array[::2, ::2].copy()
    ds.Rows, ds.Columns = pixels.shape
    ds.PixelData = pixels.tobytes()
    ds.SOPInstanceUID = generate_uid()
    ds.ImagePositionPatient = [float(v) for v in ds.ImagePositionPatient[:2]] + [float(ds.ImagePositionPatient[2]) + 100]
    ds.save_as(dst)
elif mode == 'hevc':
    ds.PixelData = encapsulate([ds.PixelData])
    ds['PixelData'].VR = 'OB'
    ds.file_meta.TransferSyntaxUID = '1.2.840.10008.1.2.4.107'
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.save_as(dst, write_like_original=False)
elif mode == 'sr':
    sr = Dataset()
    sr.file_meta = FileMetaDataset()
    sr.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    sr.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.88.11'
    sr.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    sr.SOPClassUID = '1.2.840.10008.5.1.4.1.1.88.11'
    sr.SOPInstanceUID = sr.file_meta.MediaStorageSOPInstanceUID
    sr.StudyInstanceUID, sr.SeriesInstanceUID = ds.StudyInstanceUID, generate_uid()
    sr.Modality, sr.PatientID = 'SR', ds.PatientID
    sr.is_little_endian, sr.is_implicit_VR = True, False
    sr.save_as(dst, write_like_original=False)
`;

function pydicomCraft(mode: string, source: string, target: string): string {
  execFileSync('/usr/bin/python3', ['-c', craft, mode, source, target]);
  return target;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dicom-bad-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('bad DICOM input', () => {
  it('reports each bad file by name and still loads the good series', async () => {
    const bad: Record<string, string> = {};
    bad.noPixels = join(work, 'no-pixels.dcm');
    copyFileSync(join(mrDir, mrNames[0]), bad.noPixels);
    convert('dcmodify', ['-nb', '-ea', '(7fe0,0010)', bad.noPixels]);
    bad.hevc = pydicomCraft('hevc', join(mrDir, mrNames[1]), join(work, 'hevc.dcm'));
    bad.sr = pydicomCraft('sr', join(mrDir, mrNames[2]), join(work, 'report.dcm'));
    bad.pdf = join(work, 'report-pdf.dcm');
    const pdf = join(work, 'report.pdf');
    writeFileSync(
      pdf,
      '%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    );
    convert('pdf2dcm', [pdf, bad.pdf]);
    bad.truncated = join(work, 'truncated.dcm');
    const whole = readInput(join(mrDir, mrNames[3])).bytes;
    writeFileSync(bad.truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const media = join(work, 'media');
    mkdirSync(media);
    convert('dcmconv', ['+te', join(mrDir, mrNames[0]), join(media, 'IM000001')]);
    convert('dcmmkdir', ['+I', '+id', media, '+D', join(media, 'DICOMDIR'), 'IM000001']);
    bad.dicomdir = join(media, 'DICOMDIR');
    bad.text = join(work, 'notes.txt');
    writeFileSync(bad.text, 'These are not the images you are looking for.\n');

    // The good series: every MR slice except those used above.
    const good = readFolder(mrDir).slice(4);
    const inputs = [...good, ...Object.values(bad).map(readInput)];
    const { series, errors } = await loadDicomFiles(inputs);

    expect(series).toHaveLength(1);
    expect(series[0].volume.dims).toEqual([512, 512, 20]);
    const message = (file: string) => {
      const entries = errors.filter((e) => e.file === file);
      expect(entries, `one error for ${file}`).toHaveLength(1);
      expect(entries[0].message.startsWith(file)).toBe(true);
      expectReadableRefusal(entries[0].message, file);
      return entries[0].message;
    };
    expect(message(bad.noPixels)).toMatch(/holds no pixel data/);
    expect(message(bad.hevc)).toMatch(
      /transfer syntax 1\.2\.840\.10008\.1\.2\.4\.107 \(HEVC\/H\.265 Main Profile.*\).*cannot be decoded/,
    );
    expect(message(bad.sr)).toMatch(/is a DICOM Structured Report, not an image/);
    expect(message(bad.pdf)).toMatch(/is a DICOM Encapsulated PDF, not an image/);
    expect(message(bad.truncated)).toMatch(
      /is truncated: its pixel data has \d+ of 524288 bytes, so its only frame is incomplete; copy or export the file again/,
    );
    expect(message(bad.text)).toMatch(/is not a DICOM file/);
    expect(message(bad.dicomdir)).toMatch(/is a DICOM DICOMDIR \(media directory\), not an image/);
    expect(errors).toHaveLength(Object.keys(bad).length);
  });

  it('names a made-up transfer syntax UID', async () => {
    const file = readInput(join(mrDir, mrNames[0]));
    // Same length as the implicit VR UID it replaces, so no lengths change.
    const bytes = Buffer.from(file.bytes);
    const at = bytes.indexOf('1.2.840.10008.1.2\0', 0, 'latin1');
    bytes.write('1.2.840.99999.9.9\0', at, 'latin1');
    const { errors, series } = await loadDicomFiles([{ path: 'made-up.dcm', bytes }]);
    expect(series).toEqual([]);
    expect(errors[0].message).toMatch(
      /^made-up\.dcm: uses transfer syntax 1\.2\.840\.99999\.9\.9 \(unknown transfer syntax\)/,
    );
  });

  it('rejects a series with mixed slice sizes, naming the odd file and the series', async () => {
    const odd = pydicomCraft('half-size', join(mrDir, mrNames[0]), join(work, 'half.dcm'));
    const { series, errors } = await loadDicomFiles([...readFolder(mrDir).slice(1, 4), readInput(odd)]);
    expect(series).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe(odd);
    expect(errors[0].message).toMatch(
      /is 256×256 but other images of t1_mpr_tra_gk_v4 \([\d.]+\) are 512×512/,
    );
  });

  it('reads a DICOM dataset that lacks the Part 10 preamble and meta header', async () => {
    const file = readInput(join(mrDir, mrNames[0]));
    const metaLength = new DataView(file.bytes.buffer, file.bytes.byteOffset).getUint32(140, true);
    const bare = file.bytes.subarray(144 + metaLength);
    const { series, errors } = await loadDicomFiles([{ path: 'bare.dcm', bytes: bare }]);
    expect(errors).toEqual([]);
    expect(series[0].volume.dims).toEqual([512, 512, 1]);
  });
});
