// DIMSE client over dcmjs-dimse: C-ECHO, C-FIND (study, series, image level), C-MOVE (with a
// storage SCP of our own, listening only while the move runs), C-GET (instances come back on the
// same association) and C-STORE. The protocol stack is the library's; this file maps its events to
// promises, its failures to sentences, and received instances into the cache.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type * as Dimse from 'dcmjs-dimse';
import type { PacsStudy, PacsStudyQuery } from '../../../shared/pacs';
import { checkUid, type PacsCache } from './cache';
import { PacsCancelledError, PacsError } from './errors';
import { part10File, readPart10MetaOfFile } from './part10';
import {
  studyMatchKeys,
  type PacsClient,
  type RemoteSeries,
  type StoredInstance,
  type TransferOptions,
} from './types';

// dcmjs-dimse is a webpack bundle: Node's ESM loader cannot see its named exports, require can.
const requireCjs = createRequire(import.meta.url);
let library: typeof Dimse | undefined;
/** The bytes of each received C-STORE data set, as they came over the wire, by its parsed Dataset. */
const receivedBytes = new WeakMap<Dimse.Dataset, { bytes: Uint8Array; transferSyntaxUid: string }>();

interface StoreStreamHook {
  createDatasetFromStoreWritableStream(
    writable: { toBuffer(): Buffer },
    context: Dimse.association.PresentationContext,
    callback: (dataset: Dimse.Dataset) => void,
  ): void;
}

function dimse(): typeof Dimse {
  if (!library) {
    library = requireCjs('dcmjs-dimse') as typeof Dimse;
    // The library logs every PDU at info level; our messages say what matters.
    library.log.setLevel('silent');
    // Its own copy of dcmjs reports every ambiguous-VR element of implicit-VR traffic ("Invalid vr
    // type xs - using US") on its "validation.dcmjs" logger: normal DIMSE data, not an error.
    const nestedDcmjs = createRequire(requireCjs.resolve('dcmjs-dimse'))('dcmjs') as {
      log: { getLogger(name: string): { setLevel(level: string): void } };
    };
    nestedDcmjs.log.getLogger('validation.dcmjs').setLevel('silent');
    // The library hands received instances over parsed (dcmjs-naturalized); writing them back out
    // through dcmjs would drop private attributes and re-encode pixel data. Its one hook for the raw
    // bytes is on the network base class shared by Scp and Client (C-GET), so it is wrapped there
    // once, to remember each data set's bytes next to the parsed Dataset.
    const network = Object.getPrototypeOf(library.Scp.prototype) as StoreStreamHook;
    const original = network.createDatasetFromStoreWritableStream;
    network.createDatasetFromStoreWritableStream = function (this: unknown, writable, context, callback) {
      original.call(this, writable, context, (dataset) => {
        receivedBytes.set(dataset, {
          bytes: writable.toBuffer(),
          transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        });
        callback(dataset);
      });
    };
  }
  return library;
}

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

const STATUS_TEXT: Record<number, string> = {
  0xa701: 'out of resources (number of matches)',
  0xa702: 'out of resources (sub-operations)',
  0xa801: 'move destination unknown: the archive does not know this workstation’s AE title',
  0xa900: 'identifier does not match SOP class',
  0xc000: 'unable to process',
  0x0122: 'SOP class not supported',
  0x0124: 'not authorized',
  0x0110: 'processing failure',
  0xfe00: 'cancelled',
};

const REJECT_REASON: Record<number, string> = {
  1: 'no reason given',
  2: 'application context not supported',
  3: 'calling AE title not recognized',
  7: 'called AE title not recognized',
};

const isSuccess = (status: number) => status === 0 || (status & 0xf000) === 0xb000;
const isPending = (status: number) => status === 0xff00 || status === 0xff01;

type Elements = Record<string, unknown>;

function str(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(str).join('\\');
  if (typeof value === 'object' && value && 'Alphabetic' in value)
    return String((value as { Alphabetic: string }).Alphabetic);
  return String(value);
}

const num = (value: unknown) => (str(value) === '' ? undefined : Number(str(value)));

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

let scpPort: Promise<void> = Promise.resolve();
async function takeScpPort(): Promise<() => void> {
  let release!: () => void;
  const previous = scpPort;
  scpPort = new Promise((done) => (release = done));
  await previous;
  return release;
}

/** Writes the instances a C-MOVE or C-GET delivers into the cache, each one before it is acknowledged. */
class InstanceReceiver {
  bytes = 0;
  count = 0;
  error: PacsError | undefined;
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly cache: PacsCache,
    private readonly studyUid: string,
    private readonly seriesUid: string,
    private readonly onInstance?: (done: number) => void,
  ) {}

  receive(
    request: Dimse.requests.CStoreRequest,
    callback: (response: Dimse.responses.CStoreResponse) => void,
  ): void {
    const { CStoreResponse } = dimse().responses;
    const { Status } = dimse().constants;
    const response = CStoreResponse.fromRequest(request);
    const work = this.write(request).then(
      () => response.setStatus(Status.Success),
      (error: Error) => {
        this.error ??=
          error instanceof PacsError
            ? error
            : new PacsError('protocol', `storing a received instance failed: ${error.message}`);
        response.setStatus(Status.ProcessingFailure);
      },
    );
    const tracked = work.then(() => callback(response));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private async write(request: Dimse.requests.CStoreRequest): Promise<void> {
    const dataset = request.getDataset();
    if (!dataset) throw new PacsError('protocol', 'a C-STORE arrived without a data set');
    const elements = dataset.getElements();
    const sop = checkUid(str(elements.SOPInstanceUID), 'SOP Instance UID');
    // Only the series asked for goes into its folder; anything else is the archive's mistake.
    if (
      str(elements.SeriesInstanceUID) !== this.seriesUid ||
      str(elements.StudyInstanceUID) !== this.studyUid
    )
      throw new PacsError('protocol', `the archive sent instance ${sop} of another series`);
    const raw = receivedBytes.get(dataset);
    if (!raw) throw new PacsError('protocol', `instance ${sop} arrived without its encoded data set`);
    const file = part10File(
      {
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: sop,
        transferSyntaxUid: raw.transferSyntaxUid,
      },
      raw.bytes,
    );
    await this.cache.put(this.studyUid, this.seriesUid, sop, file);
    this.bytes += file.byteLength;
    this.count += 1;
    this.onInstance?.(this.count);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * The workstation's storage SCP for C-MOVE: listens on the local port only for the duration of one
 * retrieve, accepts associations called with the workstation's AE title, and stores every instance.
 */
async function startStorageScp(
  localAet: string,
  localPort: number,
  receiver: InstanceReceiver,
  timeoutMs: number,
): Promise<{ close(): Promise<void> }> {
  const { Server, Scp } = dimse();
  const { PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass, TransferSyntax } =
    dimse().constants;
  const { CEchoResponse } = dimse().responses;
  const { Status } = dimse().constants;

  class StorageScp extends Scp {
    constructor(socket: Socket, opts?: ConstructorParameters<typeof Scp>[1]) {
      super(socket, opts);
    }

    override associationRequested(association: Dimse.association.Association): void {
      if (association.getCalledAeTitle().trim() !== localAet) {
        this.sendAssociationReject(
          RejectResult.Permanent,
          RejectSource.ServiceUser,
          RejectReason.CalledAeNotRecognized,
        );
        return;
      }
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        const syntaxes = context.getTransferSyntaxUids();
        const abstract = context.getAbstractSyntaxUid();
        // Storage classes all live under 1.2.840.10008.5.1.4.1.1; keep each instance's own transfer
        // syntax (no transcoding), preferring Explicit VR Little Endian when it is offered.
        if (abstract === SopClass.Verification || abstract.startsWith('1.2.840.10008.5.1.4.1.1.')) {
          const chosen = syntaxes.includes(TransferSyntax.ExplicitVRLittleEndian)
            ? TransferSyntax.ExplicitVRLittleEndian
            : syntaxes[0];
          context.setResult(PresentationContextResult.Accept, chosen);
        } else {
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        }
      }
      this.sendAssociationAccept();
    }

    override cEchoRequest(
      request: Dimse.requests.CEchoRequest,
      callback: (response: Dimse.responses.CEchoResponse) => void,
    ): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override cStoreRequest(
      request: Dimse.requests.CStoreRequest,
      callback: (response: Dimse.responses.CStoreResponse) => void,
    ): void {
      receiver.receive(request, callback);
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }
  }

  const server = new Server(StorageScp);
  await new Promise<void>((resolve, reject) => {
    server.on('listening', () => resolve());
    server.on('networkError', (error: Error & { code?: string }) =>
      reject(
        new PacsError(
          'refused',
          error.code === 'EADDRINUSE'
            ? `the workstation's DICOM port ${localPort} is in use by another program: choose another local port in the PACS settings`
            : `the workstation's storage SCP could not start: ${error.message}`,
        ),
      ),
    );
    server.listen(localPort, {
      connectTimeout: timeoutMs,
      associationTimeout: timeoutMs,
      pduTimeout: timeoutMs,
    });
  });
  return {
    async close() {
      await receiver.settled();
      server.close();
    },
  };
}
