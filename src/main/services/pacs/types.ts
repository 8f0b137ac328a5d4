// What every protocol client does, so that the service above (search, retrieve with resume, send)
// is written once for DICOMweb and DIMSE alike.
import type { PacsSeries, PacsStudy, PacsStudyQuery } from '../../../shared/pacs';
import type { PacsCache } from './cache';

export interface TransferOptions {
  signal?: AbortSignal;
  /** Called after each instance: instances done so far in this transfer. */
  onInstance?: (done: number) => void;
}

export interface StoredInstance {
  sopInstanceUid: string;
  sopClassUid: string;
}

export type RemoteSeries = Omit<PacsSeries, 'cachedCount'>;

export interface PacsClient {
  /** The node's name, for messages. */
  readonly name: string;
  echo(signal?: AbortSignal): Promise<void>;
  findStudies(query: PacsStudyQuery, signal?: AbortSignal): Promise<PacsStudy[]>;
  findSeries(studyUid: string, signal?: AbortSignal): Promise<RemoteSeries[]>;
  /** SOP Instance UIDs of a series. */
  listInstances(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<string[]>;
  /**
   * Fetches instances into the cache: the whole series when `only` is undefined, else those UIDs.
   * Returns the bytes received. Instances written before a failure stay in the cache.
   */
  fetchInstances(
    cache: PacsCache,
    studyUid: string,
    seriesUid: string,
    only: string[] | undefined,
    options: TransferOptions,
  ): Promise<{ bytes: number }>;
  /** Sends Part 10 files; resolves with what the archive accepted, throws if it refused any. */
  store(files: string[], options: TransferOptions): Promise<StoredInstance[]>;
}

/** DICOM matching keys of a study search, shared by QIDO-RS and C-FIND. */
export function studyMatchKeys(query: PacsStudyQuery): Record<string, string> {
  const keys: Record<string, string> = {};
  const name = query.patientName?.trim();
  // Radiologists type the start of a surname: match it as a prefix unless they wrote wildcards.
  if (name) keys.PatientName = /[*?]/.test(name) ? name : `${name}*`;
  if (query.patientId?.trim()) keys.PatientID = query.patientId.trim();
  if (query.accessionNumber?.trim()) keys.AccessionNumber = query.accessionNumber.trim();
  if (query.modality?.trim()) keys.ModalitiesInStudy = query.modality.trim().toUpperCase();
  const day = (d?: string) => (d ? d.replaceAll('-', '') : '');
  if (query.dateFrom || query.dateTo) {
    const from = day(query.dateFrom);
    const to = day(query.dateTo);
    keys.StudyDate = from === to ? from : `${from}-${to}`;
  }
  return keys;
}
