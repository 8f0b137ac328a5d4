// The web shell's side of the contract: requests and events as binary frames over one WebSocket.
import type { Envelope, EventName, Method, Transport } from './api';
import { sliceEnvelope, sliceUrl, type FetchLike } from './sliceRoute';
import { decodeFrame, encodeFrame } from './wire';

interface Pending {
  resolve(envelope: Envelope): void;
}

type ServerMessage =
  { kind: 'response'; id: number; envelope: Envelope } | { kind: 'event'; name: EventName; payload: unknown };

/** Minimal socket surface, so the transport works with the browser's WebSocket and is testable. */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  addEventListener(type: 'open' | 'close' | 'message', listener: (event: { data?: unknown }) => void): void;
}

/**
 * `fetchBinary`: the page's fetch, when there is one: 'series.slices' then travels as an HTTP body
 * (see sliceRoute.ts), every other request as a frame on the socket.
 */
export function createWsTransport(socket: SocketLike, fetchBinary?: FetchLike): Transport {
  socket.binaryType = 'arraybuffer';
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const opened = new Promise<void>((resolve) => {
    if (socket.readyState === 1) resolve();
    else socket.addEventListener('open', () => resolve());
  });

  socket.addEventListener('message', (event) => {
    const message = decodeFrame(new Uint8Array(event.data as ArrayBuffer)) as ServerMessage;
    if (message.kind === 'response') {
      pending.get(message.id)?.resolve(message.envelope);
      pending.delete(message.id);
    } else {
      for (const listener of listeners) listener(message.name, message.payload);
    }
  });
  socket.addEventListener('close', () => {
    for (const p of pending.values()) {
      p.resolve({
        ok: false,
        error: { code: 'internal', message: 'the connection to the workstation was lost' },
      });
    }
    pending.clear();
  });

  return {
    async invoke(method: Method, request: unknown): Promise<Envelope> {
      if (method === 'series.slices' && fetchBinary) {
        const slices = request as { seriesId: string; first: number; count: number };
        try {
          return await sliceEnvelope(slices, await fetchBinary(sliceUrl(slices)));
        } catch {
          return {
            ok: false,
            error: { code: 'internal', message: 'the connection to the workstation was lost' },
          };
        }
      }
      await opened;
      const id = nextId++;
      return new Promise<Envelope>((resolve) => {
        pending.set(id, { resolve });
        socket.send(encodeFrame({ kind: 'request', id, method, request }));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
