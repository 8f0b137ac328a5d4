// Runs segmentation off the main thread; the sessions and embedding cache live here between jobs.
import { parentPort } from 'node:worker_threads';
import { JobRunner, type ToWorker } from './jobs';

const runner = new JobRunner((message, transfer) => parentPort!.postMessage(message, transfer ?? []));
parentPort!.on('message', (message: ToWorker) => runner.handle(message));
