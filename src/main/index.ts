// Electron shell entry: the window, its security settings, and the contract bound to IPC. The
// services and the contract's implementation are shared with the web shell (src/main/api.ts).
import { app, BrowserWindow, ipcMain, MessageChannelMain, safeStorage, session } from 'electron';
import { join } from 'node:path';
import { ipcChannels } from '../shared/api';
import { servePort } from '../shared/portTransport';
import { createApi } from './api';
import { compactViews } from './ipcPayload';
import { appVersion, preloadPath, rendererDir, resourcesDir } from './appPaths';
import { contentSecurityPolicy } from './webShell/security';
import { EncryptedFileSecretStore } from './services/pacs/index';

// Paths given after the app's own arguments open as the first study (npm start passes the sample).
const startupPaths = process.argv.slice(app.isPackaged ? 1 : 2).filter((arg) => !arg.startsWith('-'));

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1600,
    height: 1000,
    backgroundColor: '#101214',
    title: 'Causal-SAM Workstation',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  // The renderer is local files only: any navigation or new window is refused.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadFile(join(rendererDir, 'index.html'));
  return window;
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] },
    });
  });
  // No permission (camera, geolocation…) is granted silently; the microphone is asked for by the
  // voice feature when it is first used.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === 'media'),
  );
  const window = createWindow();
  const api = createApi({
    shell: 'electron',
    version: appVersion,
    dataDir: app.getPath('userData'),
    resourcesDir,
    startupPaths,
    // PACS passwords and tokens sealed by the OS keychain; without one (a Linux session with no
    // keyring, where safeStorage would fall back to a fixed key) the default user-only file is used.
    secretStore:
      safeStorage.isEncryptionAvailable() &&
      (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text')
        ? new EncryptedFileSecretStore(join(app.getPath('userData'), 'pacs-secrets.sealed.json'), {
            encrypt: (plain) => safeStorage.encryptString(plain),
            decrypt: (sealed) => safeStorage.decryptString(Buffer.from(sealed)),
          })
        : undefined,
    emit: (event, payload) => {
      if (!window.isDestroyed()) window.webContents.send(ipcChannels.event, event, payload);
    },
  });
  ipcMain.handle(ipcChannels.invoke, async (_event, method: string, request: unknown) =>
    compactViews(await api.dispatch(method, request)),
  );
  // Slices go on a port of the page's own (shared/portTransport.ts), not through the invoke above.
  ipcMain.on(ipcChannels.slicesPort, (event) => {
    const { port1, port2 } = new MessageChannelMain();
    servePort(
      {
        send: (message) => port1.postMessage(message),
        listen: (handler) => port1.on('message', (e) => handler(e.data)),
      },
      api.dispatch,
      compactViews,
    );
    port1.start();
    event.sender.postMessage(ipcChannels.slicesPort, null, [port2]);
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});
app.on('window-all-closed', () => app.quit());
