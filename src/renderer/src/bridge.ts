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
  return createWsTransport(new WebSocket(`${scheme}//${location.host}/ws`));
}

export const api: ApiClient = window.api ?? createClient(webSocketTransport());
