import type { Worker } from 'node:worker_threads';
import type { Volume } from '../../../shared/volume';
import createSegmentWorker from './segment.worker?nodeWorker';
import type { EngineOptions, SegmentResult } from './engine';
import { SegmentationCancelledError, SegmentationRefusedError } from './errors';
import type { FromWorker, SegmentJob } from './jobs';

/** How long a cancelled job may take to stop before the worker is terminated instead. */
const CANCEL_GRACE_MS = 800;

/**
 * The app's handle on the segmentation worker. The worker is kept between jobs (its sessions and
 * embedding cache make prompts fast); a study is sent once per key and then named.
 */
export class SegmentationWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly sent = new Set<string>();
  private readonly pending = new Map<
    number,
    {
      resolve: (r: SegmentResult) => void;
      reject: (e: Error) => void;
      onProgress?: (f: number, l: string) => void;
    }
  >();

  constructor(private readonly engineOptions: EngineOptions = {}) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = createSegmentWorker({});
    worker.on('message', (message: FromWorker) => {
      const job = this.pending.get(message.id);
      if (!job) return;
      if (message.type === 'progress') return job.onProgress?.(message.fraction, message.label);
      this.pending.delete(message.id);
      if (message.type === 'result') job.resolve(message.result);
      else if (message.kind === 'cancelled') job.reject(new SegmentationCancelledError());
      else if (message.kind === 'refused') job.reject(new SegmentationRefusedError(message.message));
      else job.reject(new Error(message.message));
    });
    const fail = (error: Error) => {
      // A terminated worker's exit may arrive after its successor started: it owns nothing now.
      if (this.worker !== worker && this.worker !== null) return;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
      this.sent.clear();
      this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the segmentation worker stopped (exit code ${code})`)));
    // An idle worker must not keep the CLI (or a test) alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  run(
    job: SegmentJob,
    volume: Volume,
    options: { signal?: AbortSignal; onProgress?: (fraction: number, label: string) => void } = {},
  ): Promise<SegmentResult> {
    if (options.signal?.aborted) return Promise.reject(new SegmentationCancelledError());
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<SegmentResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        worker.postMessage({ type: 'cancel', id });
        // The job stops between batches; one that does not answer in time loses its worker.
        timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          this.pending.get(id)!.reject(new SegmentationCancelledError());
          this.pending.delete(id);
          void this.terminate();
        }, CANCEL_GRACE_MS);
      };
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (this.pending.size === 0) worker.unref();
      };
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        onProgress: options.onProgress,
      });
      options.signal?.addEventListener('abort', onAbort);
      worker.ref();
      const send = !this.sent.has(job.volumeKey);
      worker.postMessage({
        type: 'run',
        id,
        job,
        volume: send ? volume : undefined,
        engine: this.engineOptions,
      });
      if (send) this.sent.add(job.volumeKey);
    });
  }

  /** Forget a closed study's copy and embeddings. */
  forget(volumeKey: string): void {
    if (!this.sent.delete(volumeKey)) return;
    this.worker?.postMessage({ type: 'forget', volumeKey });
  }

  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.sent.clear();
    if (worker) await worker.terminate();
  }
}
