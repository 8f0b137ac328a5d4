// The volume report sent with a SEG: an Encapsulated PDF that dciodvfy (dicom3tools) finds valid,
// whose document dcmtk's dcm2pdf extracts as a PDF carrying the volumes.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentVolumes, writeVolumeReport } from '../../../src/main/services/pacs/index';
import type { Segmentation } from '../../../src/shared/volume';
import { debianFile, requireData } from '../requireData';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causal-sam-report-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// 10 × 10 × 4 voxels of 0.5 × 0.5 × 2 mm (0.5 µL each): 80 voxels of segment 1, 20 of segment 2.
const layer = new Uint8Array(400);
layer.fill(1, 0, 80);
layer.fill(2, 100, 120);
const segmentation: Segmentation = {
  dims: [10, 10, 4],
  spacingMm: [0.5, 0.5, 2],
  originLps: [0, 0, 0],
  axesLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  layers: [layer],
  segments: [
    { value: 1, layer: 0, name: 'vestibular_schwannoma', colorRgb: [255, 0, 0] },
    { value: 2, layer: 0, name: 'cochlea (left)', colorRgb: [0, 255, 0] },
  ],
};

const input = {
  segmentation,
  patientStudy: {
    PatientName: [{ Alphabetic: 'Doe^Jane' }],
    PatientID: 'P-1',
    PatientBirthDate: '19700101',
    PatientSex: 'F',
    StudyDate: '20240102',
    StudyTime: '101500',
    StudyID: 'S1',
    AccessionNumber: 'ACC-9',
    ReferringPhysicianName: '',
  },
  studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
  sourceSeriesDescription: 'T1 post contrast',
  sourceSeriesInstanceUid: '1.2.826.0.1.3680043.8.498.2',
  seg: { sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4', sopInstanceUid: '1.2.826.0.1.3680043.8.498.3' },
  softwareVersion: '0.1.0',
};

describe('volume report (Encapsulated PDF)', () => {
  it('measures each segment in mL', () => {
    expect(segmentVolumes(segmentation)).toEqual([
      { value: 1, name: 'vestibular_schwannoma', voxels: 80, volumeMl: 0.04 },
      { value: 2, name: 'cochlea (left)', voxels: 20, volumeMl: 0.01 },
    ]);
  });

  it('is a valid Encapsulated PDF instance (dciodvfy)', async () => {
    requireData(debianFile('/usr/bin/dciodvfy', 'dicom3tools'));
    const report = writeVolumeReport(input);
    const file = join(dir, 'report.dcm');
    await writeFile(file, report.bytes);
    const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
    const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => /^(Error|Warning)/.test(l));
    expect(lines.filter((l) => l.startsWith('Error'))).toEqual([]);
    expect(lines).toEqual([]);
    expect(`${run.stdout}${run.stderr}`).toMatch(/EncapsulatedPDF/);
  });

  it('holds a PDF with the volumes (dcm2pdf extracts it)', async () => {
    requireData(debianFile('/usr/bin/dcm2pdf', 'dcmtk'));
    const file = join(dir, 'report2.dcm');
    await writeFile(file, writeVolumeReport(input).bytes);
    const pdfPath = join(dir, 'report.pdf');
    const run = spawnSync('dcm2pdf', [file, pdfPath], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const pdf = (await readFile(pdfPath)).toString('latin1');
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf).toMatch(/%%EOF\n?$/);
    expect(pdf).toContain('vestibular_schwannoma');
    expect(pdf).toContain('0.04');
    expect(pdf).toContain('cochlea \\(left\\)');
    // The cross-reference table points at each object.
    const xref = Number(pdf.match(/startxref\n(\d+)/)![1]);
    expect(pdf.slice(xref, xref + 4)).toBe('xref');
    const offsets = [...pdf.matchAll(/(\d{10}) 00000 n /g)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, i) => expect(pdf.slice(offset).startsWith(`${i + 1} 0 obj\n`)).toBe(true));
  });
});
