// Chooses how the renderer reaches the main side: Electron's preload (window.api) or the web
// shell's WebSocket on the page's own origin. Everything above this file sees one ApiClient.
import { createClient, type ApiClient, type Transport } from '../../shared/api';
import { portInvoker, slicesPortMessage, type PortEnd } from '../../shared/portTransport';
import { createWsTransport } from '../../shared/wsTransport';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the web shell. */
    api?: ApiClient;
    /** Set by the Electron preload: asks for the page's own port for slices. */
    apiPorts?: { requestSlicesPort(): void };
  }
}

/** Electron: the preload's client, with slices on a port of the page's own (shared/portTransport.ts). */
function electronApi(preloadApi: ApiClient, ports: { requestSlicesPort(): void }): ApiClient {
  const port = new Promise<PortEnd>((resolve) => {
    const onMessage = (event: MessageEvent) => {
      const [end] = event.ports;
      if (event.source !== window || event.data?.type !== slicesPortMessage || !end) return;
      window.removeEventListener('message', onMessage);
      resolve({
        send: (message) => end.postMessage(message),
        listen: (handler) => (end.onmessage = (e) => handler(e.data)),
      });
    };
    window.addEventListener('message', onMessage);
    ports.requestSlicesPort();
  });
  const onPort = createClient({ invoke: portInvoker(port), subscribe: () => () => undefined });
  return { ...preloadApi, 'series.slices': onPort['series.slices'] };
}

function webSocketTransport(): Transport {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // The access token travels as an HttpOnly cookie set when the page was opened with it.
  // Slices of a volume come over HTTP: Chromium takes large bodies far faster than large messages.
  return createWsTransport(new WebSocket(`${scheme}//${location.host}/ws`), (url) =>
    fetch(url, { credentials: 'same-origin', cache: 'no-store' }),
  );
}

export const api: ApiClient = window.api
  ? window.apiPorts
    ? electronApi(window.api, window.apiPorts)
    : window.api
  : createClient(webSocketTransport());
