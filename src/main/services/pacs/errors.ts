// Every PACS failure reaches the radiologist as one sentence naming the node and what to do; the
// causes below are the ones a hospital network actually produces.
import { ServiceError, type ErrorCode } from '../../../shared/serviceError';

export type PacsErrorKind =
  | 'unreachable'
  | 'credentials'
  | 'timeout'
  | 'rejected'
  | 'cut-off'
  | 'refused'
  | 'not-found'
  | 'cancelled'
  | 'protocol';

/** The contract's code for each PACS failure: the archive's doing unless nothing was found or the user cancelled. */
const codeOfKind = (kind: PacsErrorKind): ErrorCode =>
  kind === 'not-found' ? 'not-found' : kind === 'cancelled' ? 'cancelled' : 'remote';

export class PacsError extends ServiceError {
  constructor(
    readonly kind: PacsErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(codeOfKind(kind), message, options);
    this.name = 'PacsError';
  }
}

export class PacsCancelledError extends PacsError {
  constructor(what: string) {
    super('cancelled', `${what} was cancelled`);
    this.name = 'PacsCancelledError';
  }
}

/** Network errors (Node's fetch wraps them in `cause`; sockets raise them directly) → PacsError. */
export function networkError(node: string, where: string, error: unknown, timeoutS: number): PacsError {
  if (error instanceof PacsError) return error;
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code;
  if (e?.name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
    return new PacsError('timeout', `${node}: no answer from ${where} within ${timeoutS} s`, { cause: e });
  if (code === 'ECONNREFUSED')
    return new PacsError(
      'unreachable',
      `${node}: cannot connect to ${where} (connection refused): is the PACS running, and are host and port right?`,
      { cause: e },
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new PacsError('unreachable', `${node}: unknown host in ${where}`, { cause: e });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new PacsError('unreachable', `${node}: ${where} is unreachable from this machine`, { cause: e });
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return new PacsError('cut-off', `${node}: ${where} closed the connection`, { cause: e });
  return new PacsError('protocol', `${node}: ${e?.cause?.message ?? e?.message ?? String(error)}`, {
    cause: e,
  });
}
