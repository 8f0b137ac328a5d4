// The volume report sent with a SEG: one PDF page listing each segment's voxel count and volume,
// wrapped as a DICOM Encapsulated PDF (PS3.3 A.45.1) in the source study, referencing the SEG it was
// measured from. A PDF and not an SR: every PACS viewer shows it as is.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { segmentVolumes } from '../../../shared/segmentVolumes';
import type { Segmentation } from '../../../shared/volume';
import { decimalString, derivedPatientStudy, personNameText } from '../imaging/index';

const ENCAPSULATED_PDF_STORAGE = '1.2.840.10008.5.1.4.1.1.104.1';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = '2.25.141470326718829931476734227946312810077';
/** A high series number keeps the report after the acquired series (the SEG uses 1000). */
const REPORT_SERIES_NUMBER = 1001;

interface DcmjsWriteApi {
  data: {
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
    DicomMetaDictionary: { denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown> };
  };
}
const requireCjs = createRequire(import.meta.url);

function newUid(): string {
  let value = 0n;
  for (const byte of randomBytes(16)) value = (value << 8n) | BigInt(byte);
  return `2.25.${value.toString(10)}`;
}

// The PDF lists what the segment panel and the CSV report show: one volume computation.
export { segmentVolumes, type SegmentVolume } from '../../../shared/segmentVolumes';

/** Text for a PDF string literal: Latin-1 only (the standard fonts' encoding), delimiters escaped. */
function pdfText(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);
}

/** A one-page PDF 1.4 with Helvetica text lines, built by hand: no dependency for a table. */
export function volumeReportPdf(title: string, lines: string[]): Uint8Array {
  const content = [
    'BT',
    '/F1 16 Tf',
    '56 780 Td',
    `(${pdfText(title)}) Tj`,
    '/F1 10 Tf',
    '0 -28 Td',
    ...lines.flatMap((line) => [`(${pdfText(line)}) Tj`, '0 -15 Td']),
    'ET',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  let pdf = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(pdf, 'latin1'));
}

export interface VolumeReportInput {
  segmentation: Segmentation;
  /** Patient and study attributes of the source series (dcmjs naturalized keywords). */
  patientStudy: Record<string, unknown>;
  studyInstanceUid: string;
  sourceSeriesDescription: string;
  sourceSeriesInstanceUid: string;
  /** The SEG the volumes were measured on. */
  seg: { sopClassUid: string; sopInstanceUid: string };
  softwareVersion: string;
  now?: Date;
}

/** An Encapsulated PDF Part 10 file with the volume table; returns its bytes and UIDs. */
export function writeVolumeReport(input: VolumeReportInput): {
  bytes: Uint8Array;
  sopInstanceUid: string;
  seriesInstanceUid: string;
} {
  const now = input.now ?? new Date();
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  const time = now.toISOString().slice(11, 19).replaceAll(':', '');
  const volumes = segmentVolumes(input.segmentation);
  const patient = input.patientStudy;
  const name = (v: unknown) => personNameText(v) ?? '';
  const lines = [
    `Patient: ${name(patient.PatientName)}   ID: ${name(patient.PatientID)}`,
    `Study: ${name(patient.StudyDescription)} ${name(patient.StudyDate)}   Accession: ${name(patient.AccessionNumber)}`,
    `Series: ${input.sourceSeriesDescription} (${input.sourceSeriesInstanceUid})`,
    `Segmentation: ${input.seg.sopInstanceUid}`,
    '',
    'Segment                                   Voxels        Volume (mL)',
    ...volumes.map(
      (v) =>
        `${v.name.padEnd(40).slice(0, 40)}  ${String(v.voxels).padStart(10)}  ${v.volumeMl.toFixed(2).padStart(14)}`,
    ),
    '',
    `Causal-SAM Workstation ${input.softwareVersion}, ${now.toISOString()}. Not for diagnosis without review.`,
  ];
  const pdf = volumeReportPdf('Segmentation volume report', lines);
  // An even length keeps the OB value valid without relying on the writer's padding.
  const document = pdf.length % 2 ? Buffer.concat([pdf, Buffer.from([0x0a])]) : Buffer.from(pdf);

  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  // The same patient, study and clinical-trial attributes as the SEG beside it; text is Unicode.
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    ...derivedPatientStudy(patient, decimalString),
  };
  Object.assign(dataset, {
    SOPClassUID: ENCAPSULATED_PDF_STORAGE,
    SOPInstanceUID: sopInstanceUid,
    StudyInstanceUID: input.studyInstanceUid,
    SeriesInstanceUID: seriesInstanceUid,
    Modality: 'DOC',
    SeriesNumber: REPORT_SERIES_NUMBER,
    SeriesDescription: 'Segmentation volume report',
    Manufacturer: 'Causal-SAM Workstation',
    SoftwareVersions: input.softwareVersion,
    ConversionType: 'WSD',
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    AcquisitionDateTime: `${date}${time}`,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    // The page names the patient.
    BurnedInAnnotation: 'YES',
    DocumentTitle: 'Segmentation volume report',
    ConceptNameCodeSequence: [],
    SourceInstanceSequence: [
      { ReferencedSOPClassUID: input.seg.sopClassUid, ReferencedSOPInstanceUID: input.seg.sopInstanceUid },
    ],
    MIMETypeOfEncapsulatedDocument: 'application/pdf',
    EncapsulatedDocumentLength: pdf.length,
    EncapsulatedDocument: document.buffer.slice(
      document.byteOffset,
      document.byteOffset + document.byteLength,
    ),
  });
  const dcmjs = requireCjs('dcmjs') as DcmjsWriteApi;
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const file = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: ENCAPSULATED_PDF_STORAGE,
      MediaStorageSOPInstanceUID: sopInstanceUid,
      TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: 'CAUSALSAM',
    }),
  );
  file.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return { bytes: new Uint8Array(file.write()), sopInstanceUid, seriesInstanceUid };
}
