// What a derived object (a DICOM SEG) must copy from, and reference in, the series it was made from.
import type { DicomSeriesIdentity } from '../types';
import { stringOf } from './attributes';
import type { FrameInfo } from './frameInfo';
import type { NaturalDataset } from './vendor';

/** Patient, General Study, Patient Study and General Equipment module attributes (PS3.3 C.7.1–C.7.5). */
const patientStudyKeywords = [
  'SpecificCharacterSet',
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'ReferringPhysicianName',
  'StudyDescription',
  'Manufacturer',
  'ManufacturerModelName',
  'InstitutionName',
  'InstitutionAddress',
  'StationName',
  'DeviceSerialNumber',
  'SoftwareVersions',
];

export function patientStudyOf(dataset: NaturalDataset): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const keyword of patientStudyKeywords) {
    // A plain-data copy: the values cross the contract and must not alias the parsed dataset.
    if (dataset[keyword] !== undefined) out[keyword] = JSON.parse(JSON.stringify(dataset[keyword]));
  }
  return out;
}

/** Identity of a stack whose slices, in volume order, are `frames`. */
export function seriesIdentity(frames: FrameInfo[]): DicomSeriesIdentity {
  const ds = frames[0].instance.dataset;
  return {
    studyInstanceUid: stringOf(ds.StudyInstanceUID) ?? '',
    seriesInstanceUid: stringOf(ds.SeriesInstanceUID) ?? '',
    frameOfReferenceUid: stringOf(ds.FrameOfReferenceUID),
    slices: frames.map((f) => ({
      sopClassUid: f.sopClassUid,
      sopInstanceUid: f.sopInstanceUid,
      ...(f.positionLps ? { positionLps: f.positionLps } : {}),
      ...(f.numberOfFrames > 1 ? { frameNumber: f.frameIndex + 1 } : {}),
    })),
    patientStudy: patientStudyOf(ds),
  };
}
