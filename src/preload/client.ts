// The Electron side of the contract's transport, kept apart from electron so it can be tested.
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
