// One error type for every failure a service means the user to read. Each carries the contract's
// error code, so the app (the envelope's `error.code`) and the command line (its exit status) tell
// a refused input from a failed archive or a cancelled run the same way, without knowing each class.
import type { ApiErrorData } from './api';

export type ErrorCode = ApiErrorData['code'];

export class ServiceError extends Error {
  readonly code: ErrorCode;
  /** The file the problem is in, where there is one. */
  readonly file?: string;
  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
  }
}

/** The readable side of any failure: a service's own, a file-system refusal, or a bug ('internal'). */
export function describeError(error: unknown): ApiErrorData {
  if (error instanceof ServiceError) {
    return { code: error.code, message: error.message, ...(error.file ? { file: error.file } : {}) };
  }
  const e = error as { code?: string; path?: string; message?: string } | null;
  // A save that must not replace a file (the renderer asks before it overwrites).
  if (e?.code === 'EEXIST')
    return { code: 'exists', message: `${e.path ?? 'file'}: already exists`, file: e.path };
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') {
    return {
      code: 'not-found',
      message: `${e.path ?? 'file'}: ${e.code === 'EACCES' ? 'permission denied' : 'not found'}`,
      file: e.path,
    };
  }
  return { code: 'internal', message: e?.message ?? String(error) };
}
