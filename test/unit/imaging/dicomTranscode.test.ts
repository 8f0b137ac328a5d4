// Every supported transfer syntax decodes to the voxels of the uncompressed original. The encoded files
// are made at test time by dcmtk and GDCM (Debian packages dcmtk and libgdcm-tools).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { parseDicom } from '../../../src/main/services/imaging/dicom/parse';
import { convert, ctDir, mrDir, readFolder, requireTools } from './dicomFixtures';

requireTools(['dcmconv', 'dcmcjpeg', 'dcmcjpls', 'dcmcrle', 'gdcmconv']);

/** How each variant is produced from an uncompressed file: [tool, args before input/output]. */
const lossless: Record<string, [string, string[], string]> = {
  'explicit VR little endian': ['dcmconv', ['+te'], '1.2.840.10008.1.2.1'],
  'explicit VR big endian': ['dcmconv', ['+tb'], '1.2.840.10008.1.2.2'],
  'deflated explicit VR little endian': ['dcmconv', ['+td'], '1.2.840.10008.1.2.1.99'],
  'RLE lossless': ['dcmcrle', [], '1.2.840.10008.1.2.5'],
  'JPEG lossless SV1': ['dcmcjpeg', ['+e1'], '1.2.840.10008.1.2.4.70'],
  'JPEG lossless process 14 (predictor 6)': ['dcmcjpeg', ['+el', '+sv', '6'], '1.2.840.10008.1.2.4.57'],
  'JPEG-LS lossless': ['dcmcjpls', ['+el'], '1.2.840.10008.1.2.4.80'],
  'JPEG 2000 lossless': ['gdcmconv', ['-U', '--j2k'], '1.2.840.10008.1.2.4.90'],
};

/** The transfer syntax a converter actually wrote, so that a no-op conversion cannot pass unnoticed. */
function transferSyntaxOf(folder: string): string {
  const [file] = readFolder(folder);
  return parseDicom(file).transferSyntaxUid;
}

let work: string;
const sources = { mr: '', ct: '' };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dicom-transcode-'));
  // Three MR slices (12-bit unsigned, implicit VR) and the CT2 slices (16-bit signed, rescaled).
  sources.mr = join(work, 'mr');
  mkdirSync(sources.mr);
  for (const name of readdirSync(mrDir).sort().slice(10, 13)) {
    convert('dcmconv', ['+te', join(mrDir, name), join(sources.mr, name)]);
  }
  sources.ct = ctDir;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function transcode(source: string, name: string, [tool, args]: [string, string[], string?]): string {
  const out = join(work, `${basename(source)}-${name.replace(/\W+/g, '_')}`);
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(source).sort())
    convert(tool, [...args, join(source, file), join(out, file)]);
  return out;
}

async function loadOne(folder: string): Promise<LoadedSeries> {
  const { series, errors } = await loadDicomFiles(readFolder(folder));
  expect(errors).toEqual([]);
  expect(series).toHaveLength(1);
  return series[0];
}

function differences(a: LoadedSeries, b: LoadedSeries): { max: number; mean: number } {
  expect(a.volume.dims).toEqual(b.volume.dims);
  let max = 0;
  let sum = 0;
  for (let n = 0; n < a.volume.voxels.length; n++) {
    const d = Math.abs(a.volume.voxels[n] - b.volume.voxels[n]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.volume.voxels.length };
}

describe('transfer syntaxes', () => {
  for (const which of ['mr', 'ct'] as const) {
    for (const [name, recipe] of Object.entries(lossless)) {
      it(`${which.toUpperCase()}: ${name} decodes to the original voxels exactly`, async () => {
        const original = await loadOne(sources[which]);
        const folder = transcode(sources[which], name, recipe);
        expect(transferSyntaxOf(folder)).toBe(recipe[2]);
        const encoded = await loadOne(folder);
        expect(differences(encoded, original).max).toBe(0);
        expect(encoded.volume.voxelType).toBe(original.volume.voxelType);
        expect(encoded.volume.spacingMm).toEqual(original.volume.spacingMm);
      });
    }
  }

  it('JPEG-LS near-lossless stays within its NEAR bound', async () => {
    const original = await loadOne(sources.mr);
    const folder = transcode(sources.mr, 'jls-near', ['dcmcjpls', ['+en']]);
    expect(transferSyntaxOf(folder)).toBe('1.2.840.10008.1.2.4.81');
    const encoded = await loadOne(folder);
    const { max, mean } = differences(encoded, original);
    expect(max).toBeLessThanOrEqual(2);
    expect(mean).toBeGreaterThan(0);
  });

  it('lossy JPEG 2000 decodes as GDCM decodes it, close to the original', async () => {
    const original = await loadOne(sources.mr);
    const folder = transcode(sources.mr, 'j2k-lossy', ['gdcmconv', ['-U', '--j2k', '--lossy', '-r', '10']]);
    expect(transferSyntaxOf(folder)).toBe('1.2.840.10008.1.2.4.91');
    const encoded = await loadOne(folder);
    const byGdcm = await loadOne(transcode(folder, 'raw', ['gdcmconv', ['-U', '--raw']]));
    expect(differences(encoded, byGdcm).max).toBeLessThanOrEqual(1);
    expect(differences(encoded, original).mean).toBeLessThan(10);
  });

  it('decodes 8-bit JPEG baseline close to the original and flags it as lossy', async () => {
    const eight = join(work, 'mr8');
    mkdirSync(eight, { recursive: true });
    // An 8-bit copy of the MR slices, written by pydicom: dcmtk compresses only 8-bit data to baseline JPEG.
    execFileSync('/usr/bin/python3', [
      '-c',
      `import sys, os, numpy as np, pydicom
from pydicom.uid import ExplicitVRLittleEndian
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    ds = pydicom.dcmread(os.path.join(src, name))
    pixels = (ds.pixel_array.astype(np.float64) / 4).clip(0, 255).astype(np.uint8)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = pixels.tobytes()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(os.path.join(dst, name), write_like_original=False)`,
      sources.mr,
      eight,
    ]);
    const original = await loadOne(eight);
    const folder = transcode(eight, 'jpeg-baseline', ['dcmcjpeg', ['+eb', '+q', '95']]);
    expect(transferSyntaxOf(folder)).toBe('1.2.840.10008.1.2.4.50');
    const encoded = await loadOne(folder);
    const { max, mean } = differences(encoded, original);
    expect(mean).toBeLessThan(1.5);
    expect(max).toBeLessThan(40);
    expect(encoded.warnings.join('\n')).toMatch(/lossy compressed/);
  });

  it('decodes 12-bit JPEG Extended exactly as DCMTK dcmdjpeg does, and flags it as lossy', async () => {
    const folder = transcode(sources.mr, 'jpeg-extended-12', ['dcmcjpeg', ['+ee']]);
    expect(transferSyntaxOf(folder)).toBe('1.2.840.10008.1.2.4.51');
    const reference = transcode(folder, 'dcmdjpeg', ['dcmdjpeg', []]);
    const [encoded, decoded] = [await loadOne(folder), await loadOne(reference)];
    expect(encoded.volume.dims).toEqual(decoded.volume.dims);
    expect(Array.from(encoded.volume.voxels)).toEqual(Array.from(decoded.volume.voxels));
    // Lossy (dcmcjpeg's default quality 90): close to the original 12-bit values, not equal to them.
    const { max, mean } = differences(encoded, await loadOne(sources.mr));
    expect(max).toBeGreaterThan(0);
    expect(mean).toBeLessThan(4);
    expect(encoded.warnings.join('\n')).toMatch(/lossy compressed/);
  });
});
