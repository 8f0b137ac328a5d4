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
