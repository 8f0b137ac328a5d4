// Compressed frames decoded on worker threads (a 400-slice JPEG 2000 series takes about a minute on one
// core). Only the production entry imports this module: `?nodeWorker` is an electron-vite import.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import createDecodeWorker from './decode.worker?nodeWorker';
import type { DecodedFrame, DecodeFrame, FrameDecodeRequest } from './decodeFrame';

interface Job {
  id: number;
  request: FrameDecodeRequest;
  resolve(frame: DecodedFrame): void;
  reject(error: Error): void;
}

export interface DecodePool {
  decodeFrame: DecodeFrame;
  size: number;
  close(): Promise<void>;
}

/**
 * A pool of `size` workers (default: one per core, at most 8), started on first use. The thread that
 * waits on the pool does little meanwhile, so it needs no core of its own.
 */
export function createDecodePool(size = Math.min(8, availableParallelism())): DecodePool {
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  const queue: Job[] = [];
  let started = 0;
  let nextId = 1;

  const settle = (worker: Worker, message: { id: number; frame?: DecodedFrame; error?: string }) => {
    const job = busy.get(worker);
    busy.delete(worker);
    if (job && message.id === job.id) {
      if (message.frame) job.resolve(message.frame);
      else job.reject(new Error(message.error ?? 'decode failed'));
    }
    release(worker);
  };

  const release = (worker: Worker) => {
    const job = queue.shift();
    if (job) return run(worker, job);
    idle.push(worker);
    // An idle pool must not keep a command-line process alive.
    worker.unref();
  };

  const run = (worker: Worker, job: Job) => {
    worker.ref();
    busy.set(worker, job);
    // Post a copy of just this frame: a view into a whole file would clone the whole file.
    const encoded = job.request.encoded.slice();
    worker.postMessage({ id: job.id, request: { ...job.request, encoded } }, [encoded.buffer]);
  };

  const spawn = (): Worker => {
    const worker = createDecodeWorker({});
    started++;
    worker.on('message', (message) => settle(worker, message));
    worker.on('error', (error) => {
      busy.get(worker)?.reject(error);
      busy.delete(worker);
      started--;
    });
    return worker;
  };

  const decodeFrame: DecodeFrame = (request) =>
    new Promise<DecodedFrame>((resolve, reject) => {
      const job: Job = { id: nextId++, request, resolve, reject };
      const worker = idle.pop() ?? (started < size ? spawn() : undefined);
      if (worker) run(worker, job);
      else queue.push(job);
    });

  const close = async () => {
    for (const job of queue.splice(0)) job.reject(new Error('decode pool closed'));
    const workers = [...idle.splice(0), ...busy.keys()];
    for (const job of busy.values()) job.reject(new Error('decode pool closed'));
    busy.clear();
    started = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  };

  return { decodeFrame, size, close };
}
