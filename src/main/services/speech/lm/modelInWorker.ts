// The app's model builder: a worker thread per build. Only the production entry (src/main/api.ts)
// imports this module — `?nodeWorker` is an electron-vite import; tests, benchmarks and the command
// line build in process (buildModelFromFiles), which is the same code.
import createModelWorker from './model.worker?nodeWorker';
import type { CorrectionModel, ModelJob } from './model';

type ModelWorkerMessage = { type: 'result'; model: CorrectionModel } | { type: 'error'; message: string };

export function buildModelInWorker(job: ModelJob): Promise<CorrectionModel> {
  return new Promise((resolve, reject) => {
    const worker = createModelWorker({ workerData: job });
    worker.once('message', (message: ModelWorkerMessage) => {
      void worker.terminate();
      if (message.type === 'result') resolve(message.model);
      else reject(new Error(`building the speech language model failed: ${message.message}`));
    });
    worker.once('error', (error) =>
      reject(new Error(`building the speech language model failed: ${error.message}`)),
    );
  });
}
