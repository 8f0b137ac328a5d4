// How every `causal-sam` subcommand ends: a usage mistake prints the usage (exit 2); a service's
// refusal or failure prints its one-line reason, and its contract error code decides the exit
// status — the same code the app's envelope carries. Anything else is a bug and propagates.
import { ServiceError, describeError, type ErrorCode } from '../../shared/serviceError';

/** The command line was wrong: say what, then the usage. */
export class UsageError extends Error {}

/** Exit status per contract error code (`correct` adds 3: the command needs clarifying). */
export const exitStatus: Record<ErrorCode, number> = {
  'bad-request': 2,
  'bad-input': 1,
  'not-found': 1,
  exists: 1,
  cancelled: 1,
  remote: 1,
  internal: 1,
};

/** What the line starts with: the input or run was refused, or something failed. */
const prefix = (code: ErrorCode) => (code === 'bad-input' || code === 'cancelled' ? 'refused' : 'error');

const isUsageMistake = (error: unknown) =>
  error instanceof UsageError || !!(error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS');

const isFileRefusal = (error: unknown) =>
  ['ENOENT', 'EACCES', 'EISDIR'].includes((error as { code?: string })?.code ?? '');

/** Prints how `error` ends a command and returns the exit status; rethrows a bug. */
export function reportFailure(error: unknown, usage: string): number {
  if (isUsageMistake(error)) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (!(error instanceof ServiceError) && !isFileRefusal(error)) throw error;
  const { code, message } = describeError(error);
  console.error(`${prefix(code)}: ${message}`);
  return exitStatus[code];
}

export function cliCommand(
  run: (args: string[]) => Promise<number>,
  usage: string,
): (args: string[]) => Promise<number> {
  return async (args) => {
    try {
      return await run(args);
    } catch (error) {
      return reportFailure(error, usage);
    }
  };
}
