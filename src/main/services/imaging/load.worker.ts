// Runs a load off the main thread: parsing and decoding never stall the app, and cancelling is
// terminating this worker.
import { parentPort, workerData } from 'node:worker_threads';
import { createDecodePool } from './dicom/decodePool';
import { loadFiles, loadPaths } from './load';
import type { LoadJob, LoadWorkerMessage } from './loadInWorker';
import type { LoadResult } from './types';
import { valueRange } from '../../../shared/volume';

function transferables(result: LoadResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const s of result.series) buffers.add(s.volume.voxels.buffer as ArrayBuffer);
  for (const s of result.segmentations)
    for (const layer of s.segmentation.layers) buffers.add(layer.buffer as ArrayBuffer);
  return [...buffers];
}

async function run(job: LoadJob): Promise<void> {
  const post = (message: LoadWorkerMessage, transfer: ArrayBuffer[] = []) =>
    parentPort!.postMessage(message, transfer);
  const onProgress = (fraction: number, label: string) => post({ type: 'progress', fraction, label });
  // Compressed DICOM frames decode on every core; the pool's workers start only if a frame needs one.
  const pool = createDecodePool();
  const options = { onProgress, decodeFrame: pool.decodeFrame, concurrency: 2 * pool.size };
  try {
    const result = 'paths' in job ? await loadPaths(job.paths, options) : await loadFiles(job.files, options);
    // Measured here, off the main thread: the renderer needs the display range before any voxel arrives.
    for (const series of result.series) series.valueRange = valueRange(series.volume.voxels);
    post({ type: 'result', result }, transferables(result));
  } catch (error) {
    post({ type: 'error', message: (error as Error).message, file: (error as { file?: string }).file });
  } finally {
    await pool.close();
  }
}

// Only inside a worker: a test runner that evaluates this module in place (vitest ignores the
// ?nodeWorker import query) must not start a load.
if (parentPort) void run(workerData as LoadJob);
