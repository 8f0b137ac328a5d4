// DICOM attribute sets in one place: which patient and study attributes a series' identity
// captures and every derived object (SEG, volume report) repeats, which of them are Type 2, which
// are decimal strings, and the VRs whose encoding rules the writers and readers share.
import type { NaturalDataset } from './vendor';

/**
 * Patient, study and clinical-trial attributes (Patient, General Study, Patient Study, Clinical
 * Trial Subject and Clinical Trial Study modules, PS3.3 C.7.1–C.7.2) that an object derived from a
 * series, in the same study, must repeat. Equipment and series attributes of the source are not
 * among them: a derived object has its own.
 */
export const PATIENT_STUDY_KEYWORDS = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'IssuerOfPatientIDQualifiersSequence',
  'TypeOfPatientID',
  'PatientBirthDate',
  'PatientBirthTime',
  'PatientSex',
  'OtherPatientIDsSequence',
  'OtherPatientNames',
  'PatientComments',
  'PatientSpeciesDescription',
  'PatientSpeciesCodeSequence',
  'PatientBreedDescription',
  'PatientBreedCodeSequence',
  'BreedRegistrationSequence',
  'ResponsiblePerson',
  'ResponsiblePersonRole',
  'ResponsibleOrganization',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'DeidentificationMethodCodeSequence',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'ReferringPhysicianIdentificationSequence',
  'StudyID',
  'AccessionNumber',
  'IssuerOfAccessionNumberSequence',
  'StudyDescription',
  'PhysiciansOfRecord',
  'NameOfPhysiciansReadingStudy',
  'ProcedureCodeSequence',
  'AdmittingDiagnosesDescription',
  'AdmittingDiagnosesCodeSequence',
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  'PatientBodyMassIndex',
  'Occupation',
  'AdditionalPatientHistory',
  'PregnancyStatus',
  'SmokingStatus',
  'PatientSexNeutered',
  'ClinicalTrialSponsorName',
  'ClinicalTrialProtocolID',
  'ClinicalTrialProtocolName',
  'ClinicalTrialSiteID',
  'ClinicalTrialSiteName',
  'ClinicalTrialSubjectID',
  'ClinicalTrialSubjectReadingID',
  'ClinicalTrialTimePointID',
  'ClinicalTrialTimePointDescription',
] as const;

/** The Type 2 attributes of the Patient and General Study modules: present, empty when unknown. */
export const PATIENT_STUDY_TYPE2_KEYWORDS = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
] as const;

/** The patient and study attributes whose VR is DS (written through a 16-character formatter). */
export const PATIENT_STUDY_DS_KEYWORDS: ReadonlySet<string> = new Set([
  'PatientSize',
  'PatientWeight',
  'PatientBodyMassIndex',
]);

/** VRs whose length field is 32-bit, after two reserved bytes, in explicit VR (PS3.5 Table 7.1-1). */
export const LONG_LENGTH_VRS: ReadonlySet<string> = new Set([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'SV',
  'UC',
  'UN',
  'UR',
  'UT',
  'UV',
]);

/** VRs whose characters follow SpecificCharacterSet (PS3.5 6.1.2.3). */
export const TEXT_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);

/** The patient and study attributes of `dataset`, as plain data (they cross the contract). */
export function patientStudyOf(dataset: NaturalDataset): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const keyword of PATIENT_STUDY_KEYWORDS) {
    if (dataset[keyword] !== undefined) out[keyword] = JSON.parse(JSON.stringify(dataset[keyword]));
  }
  return out;
}

/**
 * What a derived object writes for the patient and study: the Type 2 attributes (empty where the
 * source has none), then every captured attribute, decimal strings through `decimal`.
 */
export function derivedPatientStudy(
  captured: Record<string, unknown>,
  decimal: (value: number) => string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const keyword of PATIENT_STUDY_TYPE2_KEYWORDS) out[keyword] = '';
  for (const keyword of PATIENT_STUDY_KEYWORDS) {
    const value = captured[keyword];
    if (value === undefined) continue;
    out[keyword] =
      PATIENT_STUDY_DS_KEYWORDS.has(keyword) && typeof value === 'number' ? decimal(value) : value;
  }
  return out;
}

/** A naturalized person name (PN) as one line: its groups joined by "=", as DICOM writes them. */
export function personNameText(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  if (typeof first !== 'object') return String(first).trim() || undefined;
  const { Alphabetic, Ideographic, Phonetic } = first as Record<string, string | undefined>;
  const text = [Alphabetic ?? '', Ideographic ?? '', Phonetic ?? ''].join('=').replace(/=+$/, '');
  return text.trim() || undefined;
}
