import { expect } from 'vitest';
import { BadInputError } from '../../../src/main/services/imaging/errors';

/** `run` refuses the file with a BadInputError naming `path` and a problem matching `problem`. */
export function expectBadInput(run: () => unknown, path: string, problem: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BadInputError);
  const error = caught as BadInputError;
  expect(error.file).toBe(path);
  expect(error.message).toContain(path);
  expect(error.problem).toMatch(problem);
}
