// Sending a segmentation back to the archive: a DICOM SEG on the source series (and, when asked,
// the volume report as an Encapsulated PDF in the same study), written to the outbox first and
// removed only once the archive has it, so a failed send leaves it there to be sent again with
// `causal-sam pacs store`.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegAlgorithmData } from '../../../shared/api';
import type { PacsStoreResult } from '../../../shared/pacs';
import type { Segmentation } from '../../../shared/volume';
import { BadInputError, writeSegmentation, type LoadedSeries } from '../imaging/index';
import { readDicomIdentity, readPart10Meta } from './part10';
import { writeVolumeReport } from './volumeReport';

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
}

/** Where unsent results wait: `<dataDir>/pacs-outbox`. */
export const outboxDir = (dataDir: string): string => join(dataDir, 'pacs-outbox');

export async function sendSegmentation(
  outbox: string,
  store: (node: string, files: string[]) => Promise<unknown>,
  { node, source, segmentation, report, algorithm, softwareVersion }: SendSegmentationRequest,
): Promise<PacsStoreResult> {
  if (!source.dicom)
    throw new BadInputError(source.path, 'is not a DICOM series: only a DICOM series can get a SEG');
  await mkdir(outbox, { recursive: true });
  const path = join(outbox, `seg-${Date.now()}.dcm`);
  await writeSegmentation(path, 'dicom-seg', segmentation, source, { algorithm });
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
