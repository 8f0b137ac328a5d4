import type { Worker } from 'node:worker_threads';
import type { Volume } from '../../../shared/volume';
import createSegmentWorker from './segment.worker?nodeWorker';
import type { EngineOptions } from './engine';
import { SegmentationCancelledError, SegmentationRefusedError } from './errors';
import type { FromWorker, JobResult, SegmentJob } from './jobs';

/**
 * How long `terminate` waits for jobs still running in the worker. Terminating a worker while
 * onnxruntime-node has a run in flight aborts the whole process (a native exception escapes), so
 * the worker is only ever terminated idle; a cancelled job stops at its next batch boundary.
 */
const DRAIN_MS = 10_000;

/**
 * The app's handle on the segmentation worker. The worker is kept between jobs (its sessions and
 * embedding cache make prompts fast); a study is sent once per key and then named.
 */
export class SegmentationWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly sent = new Set<string>();
  /** Jobs the worker has not answered yet, cancelled ones included; resolved as each answers. */
  private readonly inWorker = new Map<number, () => void>();
  private readonly pending = new Map<
    number,
    {
      resolve: (r: JobResult<SegmentJob>) => void;
      reject: (e: Error) => void;
      onProgress?: (f: number, l: string) => void;
    }
  >();

  constructor(private readonly engineOptions: EngineOptions = {}) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = createSegmentWorker({});
    worker.on('message', (message: FromWorker) => {
      if (message.type !== 'progress') {
        this.inWorker.get(message.id)?.();
        this.inWorker.delete(message.id);
        // Idle: the worker no longer keeps the process (the CLI, a test) alive.
        if (this.inWorker.size === 0) worker.unref();
      }
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
      for (const answered of this.inWorker.values()) answered();
      this.inWorker.clear();
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

  run<J extends SegmentJob>(
    job: J,
    volume: Volume,
    options: { signal?: AbortSignal; onProgress?: (fraction: number, label: string) => void } = {},
  ): Promise<JobResult<J>> {
    if (options.signal?.aborted) return Promise.reject(new SegmentationCancelledError());
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<JobResult<J>>((resolve, reject) => {
      // The caller hears of a cancel at once; the worker stops at its next batch boundary and its
      // late answer is dropped (the study and earlier segmentations were never touched).
      const onAbort = () => {
        worker.postMessage({ type: 'cancel', id });
        const job = this.pending.get(id);
        this.pending.delete(id);
        job?.reject(new SegmentationCancelledError());
      };
      const done = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r as JobResult<J>)),
        reject: (e) => (done(), reject(e)),
        onProgress: options.onProgress,
      });
      options.signal?.addEventListener('abort', onAbort);
      worker.ref();
      this.inWorker.set(id, () => undefined);
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

  /** Forget a closed study's copies (one per modality it was run as) and their embeddings. */
  forget(volumeKey: string): void {
    for (const key of [...this.sent]) {
      if (key !== volumeKey && !key.startsWith(`${volumeKey}:`)) continue;
      this.sent.delete(key);
      this.worker?.postMessage({ type: 'forget', volumeKey: key });
    }
  }

  /** Stops the worker once the jobs running in it have answered (see DRAIN_MS). */
  async terminate(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const running = [...this.inWorker.keys()].map(
      (id) => new Promise<void>((answered) => this.inWorker.set(id, answered)),
    );
    await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    if (this.worker === worker) this.worker = null;
    this.sent.clear();
    await worker.terminate();
  }
}
