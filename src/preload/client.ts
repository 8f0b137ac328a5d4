// The Electron side of the contract's transport, kept apart from electron so it can be tested.
import { slicesPortMessage } from '../shared/portTransport';
import {
  createClient,
  ipcChannels,
  type ApiClient,
  type EventName,
  type Method,
  type Transport,
} from '../shared/api';

/** The slice of ipcRenderer the client needs. */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createIpcTransport(ipc: IpcLike): Transport {
  return {
    invoke: (method: Method, request: unknown) =>
      ipc.invoke(ipcChannels.invoke, method, request) as ReturnType<Transport['invoke']>,
    subscribe(listener) {
      const handler = (_event: unknown, name: unknown, payload: unknown) =>
        listener(name as EventName, payload);
      ipc.on(ipcChannels.event, handler as (event: unknown, ...args: unknown[]) => void);
      return () =>
        ipc.removeListener(ipcChannels.event, handler as (event: unknown, ...args: unknown[]) => void);
    },
  };
}

export function createPreloadApi(ipc: IpcLike): ApiClient {
  return createClient(createIpcTransport(ipc));
}

/**
 * What the page may call to get its port for slices: the main process answers with a port, which is
 * handed on to the page's own world (window.postMessage with the port transferred), so that slices
 * arriving on it never pass through the contextBridge.
 */
export function createPortRequester(
  ipc: Pick<IpcLike, 'on'> & { send(channel: string): void },
  postToPage: (message: unknown, ports: MessagePort[]) => void,
): { requestSlicesPort(): void } {
  ipc.on(ipcChannels.slicesPort, (event) =>
    postToPage({ type: slicesPortMessage }, [...((event as { ports?: MessagePort[] }).ports ?? [])]),
  );
  return { requestSlicesPort: () => ipc.send(ipcChannels.slicesPort) };
}
