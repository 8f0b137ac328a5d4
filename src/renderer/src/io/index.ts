// The io/ folder's public surface: reading dropped files and folders (other folders import it only from here).
export * from './readDroppedFiles';
export * from './saveTarget';
