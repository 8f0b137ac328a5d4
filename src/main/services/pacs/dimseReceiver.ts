// The workstation's side of a retrieve: the instances a C-MOVE or C-GET delivers, written into the
// cache before each is acknowledged, and the storage SCP a C-MOVE sends them to.
import type { Socket } from 'node:net';
import type * as Dimse from 'dcmjs-dimse';
import { checkUid, type PacsCache } from './cache';
import { dimse, receivedBytes, str } from './dimseLibrary';
import { PacsError } from './errors';
import { part10File } from './part10';
let scpPort: Promise<void> = Promise.resolve();
export async function takeScpPort(): Promise<() => void> {
  let release!: () => void;
  const previous = scpPort;
  scpPort = new Promise((done) => (release = done));
  await previous;
  return release;
}

/** Writes the instances a C-MOVE or C-GET delivers into the cache, each one before it is acknowledged. */
export class InstanceReceiver {
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
export async function startStorageScp(
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
