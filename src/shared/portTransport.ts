// The contract over a MessagePort: in Electron, slices of a volume go from the main process straight
// into the page's own world on a port (MessageChannelMain), not through ipcRenderer and the
// contextBridge, each of which would copy them once more. Electron's MessagePortMain transfers only
// ports (electron/electron#34905), so the voxels cross the process boundary as one structured-clone
// copy and land in the page as an ArrayBuffer it owns; within the page nothing copies them again.
import type { Envelope, Method } from './api';

/** One end of a port as both sides see it, whatever their MessagePort flavour. */
export interface PortEnd {
  send(message: unknown): void;
  listen(handler: (message: unknown) => void): void;
}

interface PortRequest {
  id: number;
  method: Method;
  request: unknown;
}

interface PortReply {
  id: number;
  envelope: Envelope;
}

/** What the preload posts to its own window, with the port, for the page to take. */
export const slicesPortMessage = 'causal-sam:slices-port';

/** The methods served on the port: the bulk ones. */
export const portMethods: readonly Method[] = ['series.slices'];

/** Answers requests arriving on `port` with `dispatch`, each with its own id. */
export function servePort(
  port: PortEnd,
  dispatch: (method: string, request: unknown) => Promise<Envelope>,
  prepare: (envelope: Envelope) => Envelope = (envelope) => envelope,
): void {
  port.listen((message) => {
    const { id, method, request } = message as PortRequest;
    const envelope: Promise<Envelope> = portMethods.includes(method)
      ? dispatch(method, request)
      : Promise.resolve({
          ok: false,
          error: { code: 'bad-request', message: `${String(method)} is not served on this port` },
        });
    void envelope.then((answer) => port.send({ id, envelope: prepare(answer) } satisfies PortReply));
  });
}

/** Sends requests on a port (once it has come) and resolves each with the envelope of its reply. */
export function portInvoker(port: Promise<PortEnd>): (method: Method, request: unknown) => Promise<Envelope> {
  const waiting = new Map<number, (envelope: Envelope) => void>();
  let nextId = 1;
  const ready = port.then((end) => {
    end.listen((message) => {
      const { id, envelope } = message as PortReply;
      waiting.get(id)?.(envelope);
      waiting.delete(id);
    });
    return end;
  });
  return async (method, request) => {
    const end = await ready;
    const id = nextId++;
    return new Promise<Envelope>((resolve) => {
      waiting.set(id, resolve);
      end.send({ id, method, request } satisfies PortRequest);
    });
  };
}
