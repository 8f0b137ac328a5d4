// Builds a correction language model off the main thread: counting the corpus takes a second or
// two, which would otherwise stall every request the main side serves meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import { buildModelFromFiles, type ModelJob } from './model';

buildModelFromFiles(workerData as ModelJob).then(
  (model) => parentPort!.postMessage({ type: 'result', model }),
  (error: Error) => parentPort!.postMessage({ type: 'error', message: error.message }),
);
