// One set of patient, study and clinical-trial attributes for every object derived from a series:
// a source series that carries clinical-trial attributes, other patient IDs and a Japanese name
// (ISO 2022) keeps them through the identity the loader captures, the SEG written from it and the
// PACS volume report beside that SEG, as pydicom reads those files back.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { PATIENT_STUDY_KEYWORDS } from '../../../src/main/services/imaging/dicom/attributeSets';
import {
  SEGMENTATION_STORAGE_SOP_CLASS_UID,
  writeDicomSeg,
} from '../../../src/main/services/imaging/dicom/segWriter';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { writeVolumeReport } from '../../../src/main/services/pacs/volumeReport';
import { ctDir, readFolder } from './dicomFixtures';

const trial = {
  ClinicalTrialSponsorName: 'Causal Trials Inc',
  ClinicalTrialProtocolID: 'CS-2026-01',
  ClinicalTrialProtocolName: 'Organ volumes',
  ClinicalTrialSiteID: 'SITE-7',
  ClinicalTrialSiteName: 'Basel',
  ClinicalTrialSubjectID: 'SUBJ-0042',
  ClinicalTrialTimePointID: 'BASELINE',
  PatientComments: 'anonymised for the trial',
};

const script = `
import sys, pydicom
from pydicom.dataset import Dataset
src, out = sys.argv[1], sys.argv[2]
import os, json
trial = json.loads(sys.argv[3])
for name in sorted(os.listdir(src)):
    ds = pydicom.dcmread(os.path.join(src, name))
    ds.SpecificCharacterSet = ['ISO 2022 IR 13', 'ISO 2022 IR 87']
    ds.PatientName = 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'
    for k, v in trial.items():
        setattr(ds, k, v)
    other = Dataset()
    other.PatientID = 'MRN-991'
    other.IssuerOfPatientID = 'Hospital A'
    other.TypeOfPatientID = 'TEXT'
    ds.OtherPatientIDsSequence = [other]
    ds.save_as(os.path.join(out, name), write_like_original=False)
`;

const readBack = `
import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
keys = json.loads(sys.argv[2])
out = {k: str(ds.get(k)) for k in keys if k in ds}
out['OtherPatientIDs'] = [[str(i.PatientID), str(i.IssuerOfPatientID)] for i in ds.get('OtherPatientIDsSequence', [])]
out['PatientNameGroups'] = list(ds.PatientName.components)
out['SpecificCharacterSet'] = str(ds.SpecificCharacterSet)
print(json.dumps(out))
`;

let work: string;
let source: LoadedSeries;

function pydicom<T>(code: string, ...args: string[]): T {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', code, ...args]).toString()) as T;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dicom-attributes-'));
  const folder = join(work, 'trial-ct');
  mkdirSync(folder);
  execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', script, ctDir, folder, JSON.stringify(trial)]);
  expect(readdirSync(folder)).toHaveLength(4);
  const { series, errors } = await loadDicomFiles(readFolder(folder));
  expect(errors).toEqual([]);
  source = series[0];
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface ReadBack extends Record<string, unknown> {
  OtherPatientIDs: string[][];
  PatientNameGroups: string[];
  SpecificCharacterSet: string;
}

function expectCarried(file: string): void {
  const back = pydicom<ReadBack>(readBack, file, JSON.stringify(Object.keys(trial)));
  for (const [keyword, value] of Object.entries(trial)) expect(back[keyword], keyword).toBe(value);
  expect(back.OtherPatientIDs).toEqual([['MRN-991', 'Hospital A']]);
  expect(back.PatientNameGroups).toEqual(['ﾔﾏﾀﾞ^ﾀﾛｳ', '山田^太郎', 'やまだ^たろう']);
  expect(back.SpecificCharacterSet).toBe('ISO_IR 192');
}

describe('patient, study and clinical-trial attributes', () => {
  it('are captured with the series, every one the attribute set names', () => {
    const captured = source.dicom!.patientStudy;
    for (const keyword of Object.keys(trial)) expect(PATIENT_STUDY_KEYWORDS).toContain(keyword);
    expect(PATIENT_STUDY_KEYWORDS).toContain('OtherPatientIDsSequence');
    expect(captured.ClinicalTrialSubjectID).toBe('SUBJ-0042');
    expect(captured.OtherPatientIDsSequence).toBeDefined();
  });

  it('reach a written SEG and the volume report beside it', () => {
    const { dims, spacingMm, originLps, axesLps } = source.volume;
    const layer = new Uint8Array(dims[0] * dims[1] * dims[2]);
    layer.fill(1, 0, 40);
    const segmentation = {
      dims,
      spacingMm,
      originLps,
      axesLps,
      layers: [layer],
      segments: [
        { value: 1, layer: 0, name: 'liver', colorRgb: [221, 130, 101] as [number, number, number] },
      ],
    };
    const seg = join(work, 'seg.dcm');
    writeFileSync(seg, writeDicomSeg(segmentation, source));
    expectCarried(seg);

    const report = writeVolumeReport({
      segmentation,
      patientStudy: source.dicom!.patientStudy,
      studyInstanceUid: source.dicom!.studyInstanceUid,
      sourceSeriesDescription: source.description,
      sourceSeriesInstanceUid: source.dicom!.seriesInstanceUid,
      seg: { sopClassUid: SEGMENTATION_STORAGE_SOP_CLASS_UID, sopInstanceUid: '1.2.3' },
      softwareVersion: 'test',
    });
    const pdf = join(work, 'report.dcm');
    writeFileSync(pdf, report.bytes);
    expectCarried(pdf);
  });
});
