// One wording for every failure the UI shows: the contract's ApiError already names the file and
// the problem; anything else (a lost connection, a bug) still gets a readable line.
import { ApiError, type FileError } from '../../shared/api';

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    return error.file && !error.message.includes(error.file)
      ? `${error.file}: ${error.message}`
      : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export function describeFileError(error: FileError): string {
  return error.message.includes(error.file) ? error.message : `${error.file}: ${error.message}`;
}
