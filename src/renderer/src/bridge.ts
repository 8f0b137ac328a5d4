// Chooses how the renderer reaches the main side: Electron's preload (window.api) or the web
// shell's WebSocket on the page's own origin. Everything above this file sees one ApiClient.
import { createClient, type ApiClient, type Transport } from '../../shared/api';
import { createWsTransport } from '../../shared/wsTransport';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the web shell. */
    api?: ApiClient;
  }
}

function webSocketTransport(): Transport {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // The access token travels as an HttpOnly cookie set when the page was opened with it.
  // Slices of a volume come over HTTP: Chromium takes large bodies far faster than large messages.
  return createWsTransport(new WebSocket(`${scheme}//${location.host}/ws`), (url) =>
    fetch(url, { credentials: 'same-origin', cache: 'no-store' }),
  );
}

export const api: ApiClient = window.api ?? createClient(webSocketTransport());
