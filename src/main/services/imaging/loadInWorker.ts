import { ServiceError } from '../../../shared/serviceError';
import createLoadWorker from './load.worker?nodeWorker';
import { badInputFromEntry } from './errors';
import type { LoadOptions } from './load';
import type { InputFile, LoadResult } from './types';

export type LoadJob = { paths: string[] } | { files: InputFile[] };

export type LoadWorkerMessage =
  | { type: 'progress'; fraction: number; label: string }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string; file?: string };

export class LoadCancelledError extends ServiceError {
  constructor() {
    super('cancelled', 'loading was cancelled');
    this.name = 'LoadCancelledError';
  }
}

/** Loads in a worker thread; aborting terminates the worker, so a cancel takes effect at once. */
export function loadInWorker(job: LoadJob, options: LoadOptions = {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new LoadCancelledError());
    // Dropped files are copied, not transferred: their bytes may be views into one shared buffer
    // (a WebSocket frame), which transferring would detach under every other view.
    const worker = createLoadWorker({ workerData: job });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      action();
    };
    const onAbort = () => finish(() => reject(new LoadCancelledError()));
    options.signal?.addEventListener('abort', onAbort);
    worker.on('message', (message: LoadWorkerMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.fraction, message.label);
      else if (message.type === 'result') finish(() => resolve(message.result));
      else
        finish(() =>
          reject(
            message.file
              ? badInputFromEntry({ file: message.file, message: message.message })
              : new Error(message.message),
          ),
        );
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`the loading worker stopped (exit code ${code})`))),
    );
  });
}
