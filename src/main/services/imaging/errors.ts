/** A file the user gave us is unusable. The message names the file and the problem. */
export class BadInputError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'BadInputError';
    this.file = file;
    this.problem = problem;
  }
}
