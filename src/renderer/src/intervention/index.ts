// The intervention/ folder's public surface: how applied corrections and the interpreter are described (other folders import it only from here).
export * from './applyReport';
export * from './labels';
