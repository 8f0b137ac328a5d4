import { contextBridge, ipcRenderer } from 'electron';
import { createPortRequester, createPreloadApi } from './client';

// Only the typed client crosses into the page: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('api', createPreloadApi(ipcRenderer));
// The page's own port for slices; the message goes to this window only (its own world).
contextBridge.exposeInMainWorld(
  'apiPorts',
  createPortRequester(ipcRenderer, (message, ports) => window.postMessage(message, '*', ports)),
);
