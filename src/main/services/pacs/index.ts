// The PACS area's public surface: node settings (secrets apart), search, retrieve into the local
// cache with resume, and sending results back, over DICOMweb or DIMSE alike.
import { join } from 'node:path';
import type {
  PacsNode,
  PacsRetrieveStats,
  PacsSeries,
  PacsStudy,
  PacsStoreResult,
  PacsStudyQuery,
} from '../../../shared/pacs';
import { PacsCache } from './cache';
import { DicomWebClient, type DicomWebAuth } from './dicomweb';
import { DimseClient } from './dimse';
import { PacsCancelledError, PacsError } from './errors';
import { outboxDir, sendSegmentation, type SendSegmentationRequest } from './sendSegmentation';
import { FileSecretStore, PacsSettingsStore, type SecretStore } from './settings';
import type { PacsClient, StoredInstance } from './types';

export { PacsCache } from './cache';
export { DicomWebClient } from './dicomweb';
export type { DicomWebAuth, DicomWebTarget } from './dicomweb';
export { DimseClient } from './dimse';
export type { DimseTarget } from './dimse';
export { PacsCancelledError, PacsError } from './errors';
export type { PacsErrorKind } from './errors';
export { EncryptedFileSecretStore, FileSecretStore, PacsSettingsStore } from './settings';
export type { SecretCipher, SecretStore } from './settings';
export type { PacsClient, StoredInstance } from './types';
export { readDicomIdentity, readPart10Meta } from './part10';
export { segmentVolumes, volumeReportPdf, writeVolumeReport } from './volumeReport';
export type { SegmentVolume, VolumeReportInput } from './volumeReport';
export { outboxDir } from './sendSegmentation';
export type { SendSegmentationRequest } from './sendSegmentation';

/** A node with what it takes to talk to it: its secret and the workstation's own AE. */
export interface PacsConnection {
  node: PacsNode;
  secret?: string;
  localAet: string;
  localPort: number;
}

export function clientFor({ node, secret, localAet, localPort }: PacsConnection): PacsClient {
  if (node.kind === 'dicomweb') {
    let auth: DicomWebAuth | undefined;
    if (node.auth === 'basic')
      auth = { type: 'basic', username: node.username ?? '', password: secret ?? '' };
    if (node.auth === 'bearer') {
      if (!secret)
        throw new PacsError(
          'credentials',
          `no token is kept for ${node.name}: enter it in the PACS settings`,
        );
      auth = { type: 'bearer', token: secret };
    }
    return new DicomWebClient({ name: node.name, url: node.url, auth, timeoutS: node.timeoutS });
  }
  return new DimseClient({ ...node, localAet, localPort });
}

export interface RetrieveOptions {
  signal?: AbortSignal;
  /** fraction in [0, 1] and a label for the progress bar. */
  onProgress?: (fraction: number, label: string) => void;
}

/**
 * Retrieves one series into the cache. Instances already cached (complete files, see PacsCache)
 * are not fetched again, so a retry after a cut-off resumes where it stopped.
 */
export async function retrieveSeries(
  client: PacsClient,
  cache: PacsCache,
  studyUid: string,
  seriesUid: string,
  options: RetrieveOptions = {},
): Promise<PacsRetrieveStats & { files: string[] }> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  progress(0, `Listing ${client.name}`);
  const remote = await client.listInstances(studyUid, seriesUid, options.signal);
  if (remote.length === 0)
    throw new PacsError('not-found', `${client.name} has no instances of series ${seriesUid}`);
  const cached = await cache.cachedInstances(studyUid, seriesUid);
  const missing = remote.filter((uid) => !cached.has(uid));
  const alreadyCached = remote.length - missing.length;
  let bytes = 0;
  if (missing.length > 0) {
    progress(alreadyCached / remote.length, `Retrieving ${missing.length} of ${remote.length} instances`);
    try {
      const result = await client.fetchInstances(
        cache,
        studyUid,
        seriesUid,
        // Nothing cached: one request for the series is fastest.
        alreadyCached === 0 ? undefined : missing,
        {
          signal: options.signal,
          onInstance: (done) =>
            progress(
              Math.min(1, (alreadyCached + done) / remote.length),
              `Retrieved ${alreadyCached + done} of ${remote.length}`,
            ),
        },
      );
      bytes = result.bytes;
    } catch (error) {
      const have = (await cache.cachedInstances(studyUid, seriesUid)).size;
      if (error instanceof PacsCancelledError)
        throw new PacsCancelledError(`the retrieve (${have} of ${remote.length} instances kept)`);
      if (error instanceof PacsError)
        throw new PacsError(
          error.kind,
          `${error.message}; ${have} of ${remote.length} instances are cached, retry to fetch the rest`,
          { cause: error },
        );
      throw error;
    }
  }
  const now = await cache.cachedInstances(studyUid, seriesUid);
  const stillMissing = remote.filter((uid) => !now.has(uid));
  if (stillMissing.length > 0)
    throw new PacsError(
      'cut-off',
      `${client.name}: the retrieve ended with ${stillMissing.length} of ${remote.length} instances missing; retry to fetch them`,
    );
  progress(1, `Retrieved ${remote.length} instances`);
  const files = remote.map((uid) => cache.pathOf(studyUid, seriesUid, uid));
  return {
    folder: cache.seriesDir(studyUid, seriesUid),
    files,
    retrieved: missing.length,
    alreadyCached,
    bytes,
    seconds: +((performance.now() - started) / 1000).toFixed(3),
  };
}

/** The PACS area as the shells use it: settings, secrets and cache in one place. */
export class PacsService {
  readonly settings: PacsSettingsStore;
  readonly cache: PacsCache;
  private readonly outbox: string;

  constructor(dataDir: string, secrets?: SecretStore) {
    this.settings = new PacsSettingsStore(
      dataDir,
      secrets ?? new FileSecretStore(join(dataDir, 'pacs-secrets.json')),
    );
    this.cache = new PacsCache(join(dataDir, 'pacs-cache'));
    this.outbox = outboxDir(dataDir);
  }

  async client(nodeName: string): Promise<PacsClient> {
    return clientFor(await this.settings.node(nodeName));
  }

  async echo(nodeName: string): Promise<{ node: string; milliseconds: number }> {
    const started = performance.now();
    await (await this.client(nodeName)).echo();
    return { node: nodeName, milliseconds: Math.round(performance.now() - started) };
  }

  async findStudies(nodeName: string, query: PacsStudyQuery): Promise<PacsStudy[]> {
    return (await this.client(nodeName)).findStudies(query);
  }

  async findSeries(nodeName: string, studyUid: string): Promise<PacsSeries[]> {
    const series = await (await this.client(nodeName)).findSeries(studyUid);
    return Promise.all(
      series.map(async (s) => ({
        ...s,
        cachedCount: s.seriesUid ? (await this.cache.cachedInstances(s.studyUid, s.seriesUid)).size : 0,
      })),
    );
  }

  async retrieve(
    nodeName: string,
    studyUid: string,
    seriesUid: string,
    options: RetrieveOptions = {},
  ): Promise<PacsRetrieveStats & { files: string[] }> {
    return retrieveSeries(await this.client(nodeName), this.cache, studyUid, seriesUid, options);
  }

  /** A segmentation as a DICOM SEG (and its volume report) to `request.node`, through the outbox. */
  sendSegmentation(request: SendSegmentationRequest): Promise<PacsStoreResult> {
    return sendSegmentation(this.outbox, (node, files) => this.store(node, files), request);
  }

  async store(nodeName: string, files: string[], signal?: AbortSignal): Promise<StoredInstance[]> {
    return (await this.client(nodeName)).store(files, { signal });
  }
}
