// DIMSE client over dcmjs-dimse: C-ECHO, C-FIND (study, series, image level), C-MOVE (with a
// storage SCP of our own, listening only while the move runs), C-GET (instances come back on the
// same association) and C-STORE. The protocol stack is the library's; this file maps its events to
// promises, its failures to sentences, and received instances into the cache.
import type * as Dimse from 'dcmjs-dimse';
import type { PacsStudy, PacsStudyQuery } from '../../../shared/pacs';
import type { PacsCache } from './cache';
import { PacsCancelledError, PacsError } from './errors';
import { readPart10MetaOfFile } from './part10';
import {
  studyMatchKeys,
  type PacsClient,
  type RemoteSeries,
  type StoredInstance,
  type TransferOptions,
} from './types';
import {
  REJECT_REASON,
  STATUS_TEXT,
  dimse,
  isPending,
  isSuccess,
  num,
  str,
  type Elements,
} from './dimseLibrary';
import { InstanceReceiver, startStorageScp, takeScpPort } from './dimseReceiver';

export interface DimseTarget {
  name: string;
  aet: string;
  host: string;
  port: number;
  retrieve: 'move' | 'get';
  timeoutS?: number;
  /** The workstation: calling AE title, and the port of its storage SCP for C-MOVE. */
  localAet: string;
  localPort: number;
}

export class DimseClient implements PacsClient {
  readonly name: string;
  private readonly timeoutMs: number;

  constructor(private readonly target: DimseTarget) {
    this.name = target.name;
    this.timeoutMs = (target.timeoutS ?? 30) * 1000;
  }

  private get where() {
    return `${this.target.aet}@${this.target.host}:${this.target.port}`;
  }

  /**
   * Runs requests on one association. Resolves when the association is released and closed;
   * rejects with a PacsError for every way it can fail.
   */
  private associate(
    requests: Dimse.requests.Request[],
    options: { signal?: AbortSignal; onClient?: (client: Dimse.Client) => void } = {},
  ): Promise<void> {
    const { Client } = dimse();
    const client = new Client();
    for (const request of requests) client.addRequest(request);
    options.onClient?.(client);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      // The first failure decides: a server that stops answering may never close its socket, so
      // failures do not wait for 'closed'.
      const fail = (error: PacsError) => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => {
        try {
          client.abort();
        } catch {
          // Not associated yet: nothing to abort.
        }
        fail(new PacsCancelledError(`the request to ${this.name}`));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('associationRejected', (result: { result: number; source: number; reason: number }) => {
        fail(
          new PacsError(
            'rejected',
            `${this.name}: association rejected by ${this.where} (${REJECT_REASON[result.reason] ?? `reason ${result.reason}`}): check the AE titles`,
          ),
        );
      });
      client.on('networkError', (error: Error) => {
        const message = error.message ?? String(error);
        if (/ECONNREFUSED/.test(message))
          fail(
            new PacsError(
              'unreachable',
              `${this.name}: cannot connect to ${this.where} (connection refused): is the PACS running, and are host and port right?`,
            ),
          );
        else if (/timeout/i.test(message))
          fail(
            new PacsError(
              'timeout',
              `${this.name}: no answer from ${this.where} within ${this.timeoutMs / 1000} s`,
            ),
          );
        else if (/ENOTFOUND|EAI_AGAIN/.test(message))
          fail(new PacsError('unreachable', `${this.name}: unknown host ${this.target.host}`));
        else
          fail(new PacsError('cut-off', `${this.name}: the connection to ${this.where} failed (${message})`));
      });
      client.on('closed', () => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      client.send(this.target.host, this.target.port, this.target.localAet, this.target.aet, {
        connectTimeout: this.timeoutMs,
        associationTimeout: this.timeoutMs,
        pduTimeout: this.timeoutMs,
      });
    });
  }

  /** The final status of a request, once it has one. */
  private watch(request: Dimse.requests.Request, what: string): () => void {
    let final: Dimse.responses.Response | undefined;
    request.on('response', (response: Dimse.responses.Response) => {
      if (!isPending(response.getStatus())) final = response;
    });
    return () => {
      if (!final)
        throw new PacsError('cut-off', `${this.name}: ${what} got no final response from ${this.where}`);
      const status = final.getStatus();
      if (!isSuccess(status)) {
        const comment = final.getErrorComment?.();
        throw new PacsError(
          'refused',
          `${this.name}: ${what} failed with status 0x${status.toString(16).padStart(4, '0')} (${STATUS_TEXT[status] ?? 'see the archive log'}${comment ? `: ${comment}` : ''})`,
        );
      }
    };
  }

  async echo(signal?: AbortSignal): Promise<void> {
    const request = new (dimse().requests.CEchoRequest)();
    const check = this.watch(request, 'C-ECHO');
    await this.associate([request], { signal });
    check();
  }

  private async find(
    request: Dimse.requests.CFindRequest,
    what: string,
    signal?: AbortSignal,
  ): Promise<Elements[]> {
    const found: Elements[] = [];
    request.on('response', (response: Dimse.responses.CFindResponse) => {
      if (isPending(response.getStatus()) && response.hasDataset())
        found.push(response.getDataset()!.getElements());
    });
    const check = this.watch(request, what);
    await this.associate([request], { signal });
    check();
    return found;
  }

  async findStudies(query: PacsStudyQuery, signal?: AbortSignal): Promise<PacsStudy[]> {
    const { CFindRequest } = dimse().requests;
    // Empty keys are return keys: the archive fills them in.
    const request = CFindRequest.createStudyFindRequest({
      PatientName: '',
      PatientID: '',
      StudyDate: '',
      StudyDescription: '',
      AccessionNumber: '',
      ModalitiesInStudy: '',
      NumberOfStudyRelatedSeries: '',
      NumberOfStudyRelatedInstances: '',
      StudyInstanceUID: '',
      ...studyMatchKeys(query),
    });
    return (await this.find(request, 'C-FIND (studies)', signal)).map((e) => ({
      studyUid: str(e.StudyInstanceUID),
      patientName: str(e.PatientName),
      patientId: str(e.PatientID),
      studyDate: str(e.StudyDate),
      studyDescription: str(e.StudyDescription),
      accessionNumber: str(e.AccessionNumber),
      modalities: str(e.ModalitiesInStudy).split('\\').filter(Boolean),
      seriesCount: num(e.NumberOfStudyRelatedSeries),
      instanceCount: num(e.NumberOfStudyRelatedInstances),
    }));
  }

  async findSeries(studyUid: string, signal?: AbortSignal): Promise<RemoteSeries[]> {
    const request = dimse().requests.CFindRequest.createSeriesFindRequest({
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: '',
      Modality: '',
      SeriesNumber: '',
      SeriesDescription: '',
      NumberOfSeriesRelatedInstances: '',
    });
    return (await this.find(request, 'C-FIND (series)', signal)).map((e) => ({
      studyUid,
      seriesUid: str(e.SeriesInstanceUID),
      modality: str(e.Modality),
      seriesNumber: num(e.SeriesNumber),
      seriesDescription: str(e.SeriesDescription),
      instanceCount: num(e.NumberOfSeriesRelatedInstances),
    }));
  }

  async listInstances(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<string[]> {
    const request = dimse().requests.CFindRequest.createImageFindRequest({
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      SOPInstanceUID: '',
    });
    return (await this.find(request, 'C-FIND (instances)', signal))
      .map((e) => str(e.SOPInstanceUID))
      .filter(Boolean);
  }

  async fetchInstances(
    cache: PacsCache,
    studyUid: string,
    seriesUid: string,
    only: string[] | undefined,
    options: TransferOptions,
  ): Promise<{ bytes: number }> {
    const receiver = new InstanceReceiver(cache, studyUid, seriesUid, options.onInstance);
    const { CMoveRequest, CGetRequest } = dimse().requests;
    const move = this.target.retrieve === 'move';
    // A series-level request, or (resuming) one image-level request per missing instance, all on
    // one association.
    const requests: (Dimse.requests.CMoveRequest | Dimse.requests.CGetRequest)[] = only
      ? only.map((uid) =>
          move
            ? CMoveRequest.createImageMoveRequest(this.target.localAet, studyUid, seriesUid, uid)
            : CGetRequest.createImageGetRequest(studyUid, seriesUid, uid),
        )
      : [
          move
            ? CMoveRequest.createSeriesMoveRequest(this.target.localAet, studyUid, seriesUid)
            : CGetRequest.createSeriesGetRequest(studyUid, seriesUid),
        ];
    const checks = requests.map((r) => this.watch(r, move ? 'C-MOVE' : 'C-GET'));
    let failedSubOperations = 0;
    for (const request of requests)
      request.on('response', (response: Dimse.responses.CMoveResponse) => {
        if (!isPending(response.getStatus())) failedSubOperations += response.getFailures?.() ?? 0;
      });
    if (move) {
      // One storage SCP per workstation port: C-MOVEs of this process take turns.
      const release = await takeScpPort();
      try {
        const scp = await startStorageScp(
          this.target.localAet,
          this.target.localPort,
          receiver,
          this.timeoutMs,
        );
        try {
          await this.associate(requests, { signal: options.signal });
          // Sub-operations run on their own associations: wait for the last instance to be written.
          await receiver.settled();
        } finally {
          await scp.close();
        }
      } finally {
        release();
      }
    } else {
      await this.associate(requests, {
        signal: options.signal,
        onClient: (client) =>
          client.on(
            'cStoreRequest',
            (request: Dimse.requests.CStoreRequest, callback: (r: Dimse.responses.CStoreResponse) => void) =>
              receiver.receive(request, callback),
          ),
      });
      await receiver.settled();
    }
    if (receiver.error) throw receiver.error;
    try {
      for (const check of checks) check();
    } catch (error) {
      // Archives answer an unknown destination with 0xA801 or, like Orthanc, a bare 0xC000.
      if (move && error instanceof PacsError && error.kind === 'refused')
        throw new PacsError(
          'refused',
          `${error.message}: for C-MOVE the archive must know this workstation as ${this.target.localAet} with its host and port ${this.target.localPort}`,
        );
      throw error;
    }
    if (failedSubOperations > 0)
      throw new PacsError(
        'refused',
        move
          ? `${this.name}: the archive could not send ${failedSubOperations} instances to ${this.target.localAet} on port ${this.target.localPort}: check that it knows this workstation (AE title, host, port) and that the port is reachable`
          : `${this.name}: the archive could not send ${failedSubOperations} instances over C-GET`,
      );
    return { bytes: receiver.bytes };
  }

  async store(files: string[], options: TransferOptions): Promise<StoredInstance[]> {
    const { CStoreRequest } = dimse().requests;
    const stored: StoredInstance[] = [];
    const requests: Dimse.requests.CStoreRequest[] = [];
    const checks: (() => void)[] = [];
    for (const file of files) {
      const meta = await readPart10MetaOfFile(file);
      if (!meta) throw new PacsError('protocol', `${file}: not a DICOM Part 10 file`);
      const request = new CStoreRequest(file);
      const check = this.watch(request, `C-STORE of ${meta.sopInstanceUid}`);
      request.on('response', (response: Dimse.responses.Response) => {
        if (isSuccess(response.getStatus())) {
          stored.push({ sopInstanceUid: meta.sopInstanceUid, sopClassUid: meta.sopClassUid });
          options.onInstance?.(stored.length);
        }
      });
      requests.push(request);
      checks.push(check);
    }
    await this.associate(requests, { signal: options.signal });
    for (const check of checks) check();
    return stored;
  }
}
