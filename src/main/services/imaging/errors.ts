import { ServiceError } from '../../../shared/serviceError';

/** A file the user gave us is unusable. The message names the file and the problem. */
export class BadInputError extends ServiceError {
  declare readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super('bad-input', `${file}: ${problem}`, { file });
    this.name = 'BadInputError';
    this.problem = problem;
  }
}

/** The error behind a LoadResult entry (whose message is "<file>: <problem>"), to rethrow it. */
export function badInputFromEntry(entry: { file: string; message: string }): BadInputError {
  const prefix = `${entry.file}: `;
  return new BadInputError(
    entry.file,
    entry.message.startsWith(prefix) ? entry.message.slice(prefix.length) : entry.message,
  );
}

/** JavaScript's own failures: their messages describe our code, not the user's file. */
const internalMessage =
  /Cannot read propert|is not a function|is not defined|undefined|Invalid array length|out of (bounds|range)|Maximum call stack/i;

/**
 * The reason an error gives, as a user may read it: a decoder's or reader's own words, but for
 * JavaScript internals (a malformed file tripping a library) a plain sentence; those go to the log.
 */
export function readableReason(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const internal =
    (error instanceof Error &&
      ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'].includes(error.name)) ||
    internalMessage.test(message) ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/.test(message);
  if (!internal) return message;
  console.warn(`${file}: ${message}`);
  return 'its data is malformed where the reader expected more (details in the log)';
}
