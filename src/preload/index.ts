import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './client';

// Only the typed client crosses into the page: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('api', createPreloadApi(ipcRenderer));
