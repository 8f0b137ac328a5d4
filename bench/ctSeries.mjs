// The synthetic 512×512×N CT series the loading benchmarks share: uncompressed DICOM, and the same
// slices as lossless JPEG 2000. Needs /usr/bin/python3 with pydicom and numpy, and gdcmconv
// (libgdcm-tools). Generated once under bench/tmp/load/ (git-ignored) and reused.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const seriesWork = join(root, 'bench/tmp/load');

// A smooth CT-like phantom: air, an elliptic body of soft tissue, two lungs, a spine, a little noise;
// stored as signed 16-bit with the usual −1024 intercept, axial slices 1 mm apart, head first.
const generator = `
import os, sys, numpy as np, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
y, x = np.mgrid[0:512, 0:512].astype(np.float32)
study, series, frame = generate_uid(), generate_uid(), generate_uid()
for k in range(count):
    t = k / count
    hu = np.full((512, 512), -1000, np.float32)
    body = ((x - 256) / (200 + 20 * np.sin(3 * t))) ** 2 + ((y - 260) / 150) ** 2 <= 1
    hu[body] = 40
    for cx in (180, 332):
        lung = ((x - cx) / (55 + 15 * np.sin(np.pi * t))) ** 2 + ((y - 230) / 80) ** 2 <= 1
        hu[lung] = -820
    spine = (x - 256) ** 2 + (y - 360) ** 2 <= 22 ** 2
    hu[spine] = 700
    hu += rng.normal(0, 12, hu.shape).astype(np.float32)
    stored = np.clip(hu + 1024, -32768, 32767).astype(np.int16)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.Modality, ds.PatientName, ds.PatientID, ds.SeriesNumber, ds.InstanceNumber = 'CT', 'Bench^Phantom', 'BENCH', 1, k + 1
    ds.SeriesDescription = 'synthetic CT phantom'
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-179.65, -179.65, -float(k)]
    ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 1.0
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 512, 512, 1, 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.PixelData = stored.tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, f'{k + 1:04d}.dcm'), write_like_original=False)
`;

function complete(dir, slices) {
  return existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.dcm')).length === slices;
}

/** The folders of the two series with `slices` slices, generated where missing. */
export async function prepareCtSeries(slices = 400) {
  const suffix = slices === 400 ? '' : `-${slices}`;
  const rawDir = join(seriesWork, `ct-raw${suffix}`);
  const j2kDir = join(seriesWork, `ct-j2k${suffix}`);
  mkdirSync(seriesWork, { recursive: true });
  if (!complete(rawDir, slices)) {
    console.log(`generating ${slices} uncompressed slices in ${rawDir} …`);
    const run = spawnSync('/usr/bin/python3', ['-c', generator, rawDir, String(slices)], {
      stdio: 'inherit',
    });
    if (run.status !== 0) throw new Error('generating the series failed');
  }
  if (!complete(j2kDir, slices)) {
    console.log(`compressing to JPEG 2000 (lossless) in ${j2kDir} …`);
    mkdirSync(j2kDir, { recursive: true });
    const names = readdirSync(rawDir).filter((f) => f.endsWith('.dcm'));
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++];
        await run('gdcmconv', ['-U', '--j2k', join(rawDir, name), join(j2kDir, name)]);
      }
    };
    await Promise.all([worker(), worker()]);
  }
  return { rawDir, j2kDir };
}

export function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(new Error(`${command} exited with ${code}: ${stderr}`)),
    );
  });
}
