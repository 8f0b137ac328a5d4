import { ServiceError } from '../../../shared/serviceError';
import type { VoxelArray } from '../../../shared/volume';
import createLoadWorker from './load.worker?nodeWorker';
import { badInputFromEntry } from './errors';
import type { LoadOptions } from './load';
import { StreamingSeries } from './streamingSeries';
import type { InputFile, LoadedSeries, LoadResult } from './types';

export type LoadJob = { paths: string[] } | { files: InputFile[] };

export type LoadWorkerMessage =
  | { type: 'progress'; fraction: number; label: string }
  | { type: 'started'; index: number; series: LoadedSeries; declaredRange: [number, number] }
  | { type: 'slice'; index: number; k: number }
  | { type: 'widened'; index: number; voxels: VoxelArray }
  | { type: 'complete'; index: number; valueRange: [number, number] }
  | { type: 'failed'; index: number; message: string; file?: string }
  /** What can be shown: complete series and streaming ones (`streams[n]`: the index of series n, or -1). */
  | { type: 'ready'; result: LoadResult; streams: number[] }
  | { type: 'done' }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string; file?: string };

/** The main thread to the load worker: a reader waits for k-slice `k` of streaming series `index`. */
export interface LoadWorkerRequest {
  index: number;
  k: number;
}

export class LoadCancelledError extends ServiceError {
  constructor() {
    super('cancelled', 'loading was cancelled');
    this.name = 'LoadCancelledError';
  }
}

function errorOf(message: { message: string; file?: string }): Error {
  return message.file
    ? badInputFromEntry({ file: message.file, message: message.message })
    : new Error(message.message);
}

/**
 * Loads in a worker thread; aborting terminates the worker, so a cancel takes effect at once. A DICOM
 * load resolves as soon as every series has its first slice: each such series carries a `stream`,
 * filled in the background until complete, closed or failed (the worker ends when all are).
 */
export function loadInWorker(job: LoadJob, options: LoadOptions = {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new LoadCancelledError());
    // Dropped files are copied, not transferred: their bytes may be views into one shared buffer
    // (a WebSocket frame), which transferring would detach under every other view.
    const worker = createLoadWorker({ workerData: job });
    const streams = new Map<number, StreamingSeries>();
    let open = 0;
    let settled = false;
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      void worker.terminate();
      for (const stream of streams.values()) stream.failed(error ?? new LoadCancelledError());
    };
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = () => settle(() => (end(), reject(new LoadCancelledError())));
    options.signal?.addEventListener('abort', onAbort);
    const streamOf = (index: number, series: LoadedSeries, declaredRange: [number, number]) => {
      open++;
      const stream = new StreamingSeries(series, declaredRange, {
        focus: (k) => worker.postMessage({ index, k } satisfies LoadWorkerRequest),
        // A study closed while it streams stops its decoding; the worker goes once no series needs it.
        stop: () => {
          if (--open === 0) end();
        },
      });
      series.stream = stream;
      streams.set(index, stream);
    };
    worker.on('message', (message: LoadWorkerMessage) => {
      switch (message.type) {
        case 'progress':
          if (!settled) options.onProgress?.(message.fraction, message.label);
          break;
        case 'started':
          streamOf(message.index, message.series, message.declaredRange);
          break;
        case 'slice':
          streams.get(message.index)?.sliceWritten(message.k);
          break;
        case 'widened':
          streams.get(message.index)?.widened(message.voxels);
          break;
        case 'complete':
          streams.get(message.index)?.completed(message.valueRange);
          break;
        case 'failed':
          streams.get(message.index)?.failed(errorOf(message));
          break;
        case 'ready': {
          // The streaming series are the ones announced (same voxels, shared), not their copies here.
          const series = message.result.series.map((s, n) => streams.get(message.streams[n])?.series ?? s);
          settle(() => resolve({ ...message.result, series }));
          if (open === 0) end();
          break;
        }
        case 'done':
          end();
          break;
        case 'result':
          settle(() => resolve(message.result));
          end();
          break;
        case 'error':
          settle(() => reject(errorOf(message)));
          end(errorOf(message));
      }
    });
    worker.on('error', (error) => {
      settle(() => reject(error));
      end(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the loading worker stopped (exit code ${code})`);
      settle(() => reject(error));
      end(error);
    });
  });
}
