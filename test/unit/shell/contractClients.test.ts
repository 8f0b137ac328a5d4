import { describe, expect, it } from 'vitest';
import { ApiError, ipcChannels, methods, requestSchemas } from '../../../src/shared/api';
import { encodeFrame, decodeFrame } from '../../../src/shared/wire';
import { createPreloadApi, type IpcLike } from '../../../src/preload/client';
import { createWsTransport, type SocketLike } from '../../../src/shared/wsTransport';
import { createClient } from '../../../src/shared/api';

/** An ipcRenderer stand-in that records what the preload client sends on which channel. */
function recordingIpc(): IpcLike & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    invoke: async (...args) => {
      calls.push(args);
      return { ok: true, result: args[1] };
    },
    on: () => undefined,
    removeListener: () => undefined,
  };
}

/** A socket that answers each request frame with an envelope echoing the method. */
function echoSocket(): SocketLike {
  const listeners: Record<string, ((event: { data?: unknown }) => void)[]> = {
    open: [],
    close: [],
    message: [],
  };
  return {
    binaryType: 'blob',
    readyState: 1,
    addEventListener: (type, listener) => void listeners[type].push(listener),
    send(data) {
      const request = decodeFrame(data) as { id: number; method: string };
      const reply = encodeFrame({
        kind: 'response',
        id: request.id,
        envelope: { ok: true, result: request.method },
      });
      queueMicrotask(() => listeners.message.forEach((l) => l({ data: reply.buffer })));
    },
  };
}

describe('the contract clients of both shells', () => {
  it('lists every request once', () => {
    expect(methods).toEqual(Object.keys(requestSchemas));
    expect(methods).toContain('studies.open');
  });

  it('the Electron preload client exposes every method and routes each to the invoke channel', async () => {
    const ipc = recordingIpc();
    const api = createPreloadApi(ipc);
    for (const method of methods) {
      expect(typeof (api as unknown as Record<string, unknown>)[method]).toBe('function');
      await (api as unknown as Record<string, (r: unknown) => Promise<unknown>>)[method]({});
    }
    expect(ipc.calls.map((c) => c[1])).toEqual(methods);
    expect(new Set(ipc.calls.map((c) => c[0]))).toEqual(new Set([ipcChannels.invoke]));
  });

  it('the web shell client exposes every method and gets each answered over the socket', async () => {
    const api = createClient(createWsTransport(echoSocket())) as unknown as Record<
      string,
      (r: unknown) => Promise<unknown>
    >;
    for (const method of methods) {
      expect(await api[method]({})).toBe(method);
    }
  });

  it('turns an error envelope into an ApiError that keeps the file and code', async () => {
    const api = createPreloadApi({
      invoke: async () => ({
        ok: false,
        error: { code: 'bad-input', message: 'x.nii: wrong magic', file: 'x.nii' },
      }),
      on: () => undefined,
      removeListener: () => undefined,
    });
    const error = await api['studies.open']({ paths: ['x.nii'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'bad-input', file: 'x.nii', message: 'x.nii: wrong magic' });
  });
});
