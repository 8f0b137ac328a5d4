// The real-world corpus: every DICOM file of pydicom's own test suite (Debian's python3-pydicom ships
// them), each with the outcome it must have: read, with the dims and geometry pydicom reads (pixels
// equal to DCMTK's dcmdjpeg where pydicom has no decoder), or refused in one readable line that names
// the file and the reason. README "What DICOM we read" lists the same outcomes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { oneSeriesOf } from '../../../src/main/services/imaging/openOne';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { corpusDir, expectReadableRefusal, pydicomReference, readInput, requireTools } from './dicomFixtures';

requireTools(['dcmdjpeg']);

type Outcome =
  | { read: 'pydicom' }
  /** pydicom has no 12-bit JPEG decoder: the voxels must equal dcmdjpeg's decompressed copy. */
  | { read: 'dcmdjpeg' }
  | { refused: RegExp };

const colour = /is a colour image \((RGB|YBR_\w+), 3 samples per pixel\); only grayscale volumes are loaded/;
const noPixels = /is DICOM but holds no pixel data/;
const lossyWarning = /lossy compressed/;

export const corpus: Record<string, Outcome> = {
  '693_J2KI.dcm': { read: 'pydicom' },
  'CT_small.dcm': { read: 'pydicom' },
  'ExplVR_BigEnd.dcm': { refused: colour },
  'ExplVR_BigEndNoMeta.dcm': { refused: /is a DICOM RT Ion Plan, not an image/ },
  'ExplVR_LitEndNoMeta.dcm': { refused: /is a DICOM RT Ion Plan, not an image/ },
  'GDCMJ2K_TextGBR.dcm': { refused: colour },
  'J2K_pixelrep_mismatch.dcm': { read: 'pydicom' },
  'JPEG-lossy.dcm': { read: 'dcmdjpeg' },
  'JPEG2000-embedded-sequence-delimiter.dcm': {
    refused: /frame 1 could not be decoded: decoded frame is 0×0, but the header says 256×1024/,
  },
  'JPEG2000.dcm': { read: 'pydicom' },
  'JPGExtended.dcm': { read: 'dcmdjpeg' },
  'MR_small.dcm': { read: 'pydicom' },
  'MR_small_RLE.dcm': { read: 'pydicom' },
  'MR_small_bigendian.dcm': { read: 'pydicom' },
  'MR_small_expb.dcm': { read: 'pydicom' },
  'MR_small_implicit.dcm': { read: 'pydicom' },
  'MR_small_jp2klossless.dcm': { read: 'pydicom' },
  'MR_small_jpeg_ls_lossless.dcm': { read: 'pydicom' },
  'MR_small_padded.dcm': { read: 'pydicom' },
  'MR_truncated.dcm': {
    refused: /is truncated: its pixel data has 8130 of 8192 bytes, so its only frame is incomplete/,
  },
  'SC_jpeg_no_color_transform.dcm': { refused: colour },
  'SC_jpeg_no_color_transform_2.dcm': { refused: colour },
  'SC_rgb_dcmtk_+eb+cr.dcm': { refused: colour },
  'SC_rgb_dcmtk_+eb+cy+n1.dcm': { refused: colour },
  'SC_rgb_dcmtk_+eb+cy+n2.dcm': { refused: colour },
  'SC_rgb_dcmtk_+eb+cy+np.dcm': { refused: colour },
  'SC_rgb_dcmtk_+eb+cy+s2.dcm': { refused: colour },
  'SC_rgb_dcmtk_+eb+cy+s4.dcm': { refused: colour },
  'SC_rgb_gdcm_KY.dcm': { refused: colour },
  'SC_rgb_jpeg.dcm': { refused: noPixels },
  'SC_rgb_jpeg_app14_dcmd.dcm': { refused: colour },
  'SC_rgb_jpeg_dcmd.dcm': { refused: colour },
  'SC_rgb_jpeg_dcmtk.dcm': { refused: colour },
  'SC_rgb_jpeg_gdcm.dcm': { refused: colour },
  'SC_rgb_jpeg_lossy_gdcm.dcm': { refused: colour },
  'SC_rgb_rle.dcm': { refused: colour },
  'SC_rgb_rle_16bit.dcm': { refused: colour },
  'SC_rgb_rle_16bit_2frame.dcm': { refused: colour },
  'SC_rgb_rle_2frame.dcm': { refused: colour },
  'SC_rgb_rle_32bit.dcm': { refused: colour },
  'SC_rgb_rle_32bit_2frame.dcm': { refused: colour },
  'SC_rgb_small_odd.dcm': { refused: colour },
  'SC_rgb_small_odd_jpeg.dcm': { refused: colour },
  'SC_ybr_full_422_uncompressed.dcm': { refused: colour },
  'UN_sequence.dcm': { refused: noPixels },
  'badVR.dcm': { read: 'pydicom' },
  'empty_charset_LEI.dcm': { refused: noPixels },
  'image_dfl.dcm': { read: 'pydicom' },
  'liver_1frame.dcm': {
    refused:
      /is a DICOM SEG with 1 segment referencing series [\d.]+; open it together with its source images/,
  },
  'liver_expb_1frame.dcm': {
    refused:
      /is a DICOM SEG with 1 segment referencing series [\d.]+; open it together with its source images/,
  },
  'meta_missing_tsyntax.dcm': { refused: /has no transfer syntax \(0002,0010\) in its DICOM meta header/ },
  'nested_priv_SQ.dcm': { refused: noPixels },
  'no_meta.dcm': { refused: /is not a DICOM file \(no DICM prefix and no DICOM dataset\)/ },
  'no_meta_group_length.dcm': { refused: noPixels },
  'priv_SQ.dcm': { refused: noPixels },
  'reportsi.dcm': { refused: /is a DICOM Structured Report, not an image/ },
  'reportsi_with_empty_number_tags.dcm': { refused: /is a DICOM Structured Report, not an image/ },
  'rtdose.dcm': { read: 'pydicom' },
  'rtdose_1frame.dcm': { read: 'pydicom' },
  'rtdose_expb.dcm': { read: 'pydicom' },
  'rtdose_expb_1frame.dcm': { read: 'pydicom' },
  'rtdose_rle.dcm': { read: 'pydicom' },
  'rtdose_rle_1frame.dcm': { read: 'pydicom' },
  'rtplan.dcm': { refused: /is a DICOM RT Plan, not an image/ },
  'rtplan_truncated.dcm': { refused: /is a DICOM RT Plan, not an image/ },
  'rtstruct.dcm': { refused: /is a DICOM RT Structure Set, not an image/ },
  'test-SR.dcm': { refused: /is a DICOM Structured Report, not an image/ },
  'waveform_ecg.dcm': { refused: /is a DICOM Waveform, not an image/ },
};

interface StatedGeometry {
  dims: number[];
  ipp: number[] | null;
  iop: number[] | null;
  pixelSpacing: number[] | null;
  gridFrameOffsets: number[] | null;
}

const work = mkdtempSync(join(tmpdir(), 'dicom-corpus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One series read from `path` alone, or the one readable line that refuses it. */
async function outcomeOf(path: string): Promise<{ series?: LoadedSeries; refusal?: string }> {
  const result = await loadDicomFiles([readInput(path)]);
  try {
    return { series: oneSeriesOf(path, result) };
  } catch (error) {
    return { refusal: (error as Error).message };
  }
}

describe("pydicom's test files", () => {
  it('are installed (Debian python3-pydicom)', () => {
    const missing = Object.keys(corpus).filter((name) => !existsSync(join(corpusDir, name)));
    expect(missing, `run scripts/install-system-packages.sh (python3-pydicom)`).toEqual([]);
  });

  const readable = Object.entries(corpus)
    .filter(([, o]) => 'read' in o)
    .map(([name]) => name);
  const stated = () =>
    pydicomReference<Record<string, StatedGeometry>>('files', ...readable.map((n) => join(corpusDir, n)));

  it('are read with the dims and geometry pydicom reads, or refused as the table says', async () => {
    const geometry = stated();
    for (const [name, expected] of Object.entries(corpus)) {
      const path = join(corpusDir, name);
      const { series, refusal } = await outcomeOf(path);
      if ('refused' in expected) {
        expect(series, `${name} should be refused`).toBeUndefined();
        expect(refusal, name).toMatch(expected.refused);
        expectReadableRefusal(refusal!, path);
        continue;
      }
      expect(refusal, name).toBeUndefined();
      const { volume } = series!;
      const g = geometry[name];
      expect(volume.dims, name).toEqual(g.dims);
      if (g.ipp) volume.originLps.forEach((v, n) => expect(v, `${name} origin`).toBeCloseTo(g.ipp![n], 4));
      if (g.iop) {
        // Stated directions are rounded in the file; the loader makes them unit vectors.
        const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
        const [row, column] = [unit(g.iop.slice(0, 3)), unit(g.iop.slice(3, 6))];
        volume.axesLps[0].forEach((v, n) => expect(v, `${name} row direction`).toBeCloseTo(row[n], 4));
        volume.axesLps[1].forEach((v, n) => expect(v, `${name} column direction`).toBeCloseTo(column[n], 4));
      }
      if (g.pixelSpacing) {
        expect(volume.spacingMm[0], `${name} column spacing`).toBeCloseTo(g.pixelSpacing[1], 5);
        expect(volume.spacingMm[1], `${name} row spacing`).toBeCloseTo(g.pixelSpacing[0], 5);
      }
      if (g.gridFrameOffsets && g.dims[2] > 1) {
        expect(volume.spacingMm[2], `${name} frame spacing`).toBeCloseTo(
          g.gridFrameOffsets[1] - g.gridFrameOffsets[0],
          4,
        );
      }
      if (expected.read === 'dcmdjpeg') {
        const decompressed = join(work, name);
        execFileSync('dcmdjpeg', [path, decompressed]);
        const reference = await outcomeOf(decompressed);
        expect(Array.from(volume.voxels), `${name} voxels equal dcmdjpeg's`).toEqual(
          Array.from(reference.series!.volume.voxels),
        );
        expect(series!.warnings.join('\n'), name).toMatch(lossyWarning);
      }
    }
  }, 120_000);
});
