// How every `causal-sam` subcommand ends: a usage mistake prints the usage (exit 2), a refusal of the
// input, the model or the run prints its reason (exit 1) — the user's to read, not a stack trace.

export class UsageError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error;

export function cliCommand(
  run: (args: string[]) => Promise<number>,
  usage: string,
  refusals: ErrorClass[],
): (args: string[]) => Promise<number> {
  return async (args) => {
    try {
      return await run(args);
    } catch (error) {
      if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        console.error(`${(error as Error).message}\n\n${usage}`);
        return 2;
      }
      if (refusals.some((kind) => error instanceof kind)) {
        console.error(`refused: ${(error as Error).message}`);
        return 1;
      }
      throw error;
    }
  };
}
