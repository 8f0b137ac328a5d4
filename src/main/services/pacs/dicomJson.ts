// Reading the DICOM JSON model (PS3.18 F.2) that QIDO-RS and STOW-RS answer with.
import type { PacsSeries, PacsStudy } from '../../../shared/pacs';

export type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

export const TAG = {
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SOPInstanceUID: '00080018',
  SOPClassUID: '00080016',
  PatientName: '00100010',
  PatientID: '00100020',
  StudyDate: '00080020',
  StudyDescription: '00081030',
  AccessionNumber: '00080050',
  ModalitiesInStudy: '00080061',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  Modality: '00080060',
  SeriesNumber: '00200011',
  SeriesDescription: '0008103E',
  NumberOfSeriesRelatedInstances: '00201209',
  ReferencedSOPSequence: '00081199',
  FailedSOPSequence: '00081198',
  ReferencedSOPInstanceUID: '00081155',
  ReferencedSOPClassUID: '00081150',
  FailureReason: '00081197',
} as const;

export function values(item: DicomJson, tag: string): unknown[] {
  return item[tag]?.Value ?? [];
}

export function text(item: DicomJson, tag: string): string {
  const [value] = values(item, tag);
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && 'Alphabetic' in value)
    return String((value as { Alphabetic: string }).Alphabetic);
  return String(value);
}

function count(item: DicomJson, tag: string): number | undefined {
  const value = Number(text(item, tag));
  return text(item, tag) === '' || !Number.isFinite(value) ? undefined : value;
}

export function studyFromJson(item: DicomJson): PacsStudy {
  return {
    studyUid: text(item, TAG.StudyInstanceUID),
    patientName: text(item, TAG.PatientName),
    patientId: text(item, TAG.PatientID),
    studyDate: text(item, TAG.StudyDate),
    studyDescription: text(item, TAG.StudyDescription),
    accessionNumber: text(item, TAG.AccessionNumber),
    modalities: values(item, TAG.ModalitiesInStudy).map(String),
    seriesCount: count(item, TAG.NumberOfStudyRelatedSeries),
    instanceCount: count(item, TAG.NumberOfStudyRelatedInstances),
  };
}

export function seriesFromJson(item: DicomJson, studyUid: string): Omit<PacsSeries, 'cachedCount'> {
  return {
    studyUid: text(item, TAG.StudyInstanceUID) || studyUid,
    seriesUid: text(item, TAG.SeriesInstanceUID),
    modality: text(item, TAG.Modality),
    seriesNumber: count(item, TAG.SeriesNumber),
    seriesDescription: text(item, TAG.SeriesDescription),
    instanceCount: count(item, TAG.NumberOfSeriesRelatedInstances),
  };
}
