// Sending a segmentation back to the archive: a DICOM SEG on the source series (and, when asked,
// the volume report as an Encapsulated PDF in the same study), written to the outbox first and
// removed only once the archive has it, so a failed send leaves it there to be sent again with
// `causal-sam pacs store`.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegAlgorithmData } from '../../../shared/api';
import type { PacsStoreResult } from '../../../shared/pacs';
import { ServiceError } from '../../../shared/serviceError';
import type { Segmentation } from '../../../shared/volume';
import type { LoadedSeries } from '../imaging/index';
import { readDicomIdentity, readPart10Meta } from './part10';
import { writeVolumeReport } from './volumeReport';

/**
 * Imaging's `writeSegmentation`, handed in by the shell: importing imaging's index here would load
 * its worker wrapper with every use of the PACS area.
 */
export type SegFileWriter = (
  path: string,
  format: 'dicom-seg',
  segmentation: Segmentation,
  source: LoadedSeries,
  options: { algorithm?: SegAlgorithmData },
) => Promise<unknown>;

export interface SendSegmentationRequest {
  node: string;
  /** The DICOM series the segmentation is on; the SEG references it. */
  source: LoadedSeries;
  segmentation: Segmentation;
  /** Send the volume report (Encapsulated PDF) with the SEG. */
  report?: boolean;
  algorithm?: SegAlgorithmData;
  /** The workstation's version, written as SoftwareVersions. */
  softwareVersion: string;
  writeSeg: SegFileWriter;
}

/** Where unsent results wait: `<dataDir>/pacs-outbox`. */
export const outboxDir = (dataDir: string): string => join(dataDir, 'pacs-outbox');

export async function sendSegmentation(
  outbox: string,
  store: (node: string, files: string[]) => Promise<unknown>,
  { node, source, segmentation, report, algorithm, softwareVersion, writeSeg }: SendSegmentationRequest,
): Promise<PacsStoreResult> {
  if (!source.dicom) {
    const problem = 'is not a DICOM series: only a DICOM series can get a SEG';
    throw new ServiceError('bad-input', `${source.path}: ${problem}`, { file: source.path });
  }
  await mkdir(outbox, { recursive: true });
  const path = join(outbox, `seg-${Date.now()}.dcm`);
  await writeSeg(path, 'dicom-seg', segmentation, source, { algorithm });
  const segBytes = new Uint8Array(await readFile(path));
  const identity = readDicomIdentity(segBytes);
  const files = [path];
  let reportSopInstanceUid: string | undefined;
  if (report) {
    const pdf = writeVolumeReport({
      segmentation,
      patientStudy: source.dicom.patientStudy,
      studyInstanceUid: source.dicom.studyInstanceUid,
      sourceSeriesDescription: source.description,
      sourceSeriesInstanceUid: source.dicom.seriesInstanceUid,
      seg: { sopClassUid: readPart10Meta(segBytes)!.sopClassUid, sopInstanceUid: identity.sopInstanceUid },
      softwareVersion,
    });
    files.push(path.replace(/\.dcm$/, '-report.dcm'));
    await writeFile(files[1], pdf.bytes);
    reportSopInstanceUid = pdf.sopInstanceUid;
  }
  await store(node, files);
  await Promise.all(files.map((file) => rm(file, { force: true })));
  return {
    node,
    sopInstanceUid: identity.sopInstanceUid,
    seriesInstanceUid: identity.seriesInstanceUid,
    referencedSeriesUid: source.dicom.seriesInstanceUid,
    reportSopInstanceUid,
  };
}
