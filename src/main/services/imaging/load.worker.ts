// Runs a load off the main thread: parsing and decoding never stall the app, and cancelling is
// terminating this worker. DICOM series stream: each is announced as soon as its first slice is
// decoded, its voxels in a SharedArrayBuffer the main thread reads while this thread fills it.
import { parentPort, workerData } from 'node:worker_threads';
import { valueRange, voxelArrayConstructors, type VoxelType } from '../../../shared/volume';
import { collectGarbage } from './collectGarbage';
import { createDecodePool } from './dicom/decodePool';
import type { SeriesStreamListener } from './dicom/series';
import { loadFiles, loadPaths, type LoadOptions } from './load';
import type { LoadJob, LoadWorkerMessage, LoadWorkerRequest } from './loadInWorker';
import type { LoadedSeries, LoadResult } from './types';

/** Buffers that move to the main thread; shared ones are shared, not moved. */
function transferables(result: LoadResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (buffer: ArrayBufferLike) => {
    if (buffer instanceof ArrayBuffer) buffers.add(buffer);
  };
  for (const s of result.series) add(s.volume.voxels.buffer);
  for (const s of result.segmentations) for (const layer of s.segmentation.layers) add(layer.buffer);
  return [...buffers];
}

const allocate = (type: VoxelType, length: number) => {
  const constructor = voxelArrayConstructors[type];
  const shared = new SharedArrayBuffer(length * constructor.BYTES_PER_ELEMENT);
  // VoxelArray is typed over ArrayBuffer; a typed array over shared memory reads and writes the same.
  return new constructor(shared as unknown as ArrayBuffer);
};

async function run(job: LoadJob): Promise<void> {
  const post = (message: LoadWorkerMessage, transfer: ArrayBuffer[] = []) =>
    parentPort!.postMessage(message, transfer);
  const onProgress = (fraction: number, label: string) => post({ type: 'progress', fraction, label });
  const streamIndex = new Map<LoadedSeries, number>();
  let collectEvery = 0;
  const focus = new Map<number, number>();
  parentPort!.on('message', (request: LoadWorkerRequest) => focus.set(request.index, request.k));

  const startStream = (series: LoadedSeries, declaredRange: [number, number]): SeriesStreamListener => {
    const index = streamIndex.size;
    streamIndex.set(series, index);
    post({ type: 'started', index, series, declaredRange });
    const total = series.volume.dims[2];
    let written = 0;
    return {
      focus: () => focus.get(index) ?? Math.floor(total / 2),
      slice: (k) => {
        post({ type: 'slice', index, k });
        // Each file is let go once its frames are in, but V8 returns its memory only when it collects,
        // which it may not do before the volume has filled: the series would be held twice.
        if (++collectEvery % 32 === 0) collectGarbage();
        // Measured here, off the main thread, once: the exact display range for the 3D view.
        if (++written === total)
          post({ type: 'complete', index, valueRange: valueRange(series.volume.voxels) });
      },
      widened: (voxels) => post({ type: 'widened', index, voxels }),
      failed: (error) =>
        post({
          type: 'failed',
          index,
          message: (error as Error).message ?? String(error),
          file: (error as { file?: string }).file,
        }),
    };
  };
  let ready = false;
  const onReady = (result: LoadResult) => {
    ready = true;
    for (const series of result.series)
      if (!streamIndex.has(series)) series.valueRange ??= valueRange(series.volume.voxels);
    const streams = result.series.map((s) => streamIndex.get(s) ?? -1);
    post({ type: 'ready', result, streams }, transferables(result));
  };

  // Compressed DICOM frames decode on every core; the pool's workers start only if a frame needs one.
  const pool = createDecodePool();
  const options: LoadOptions = {
    onProgress,
    decodeFrame: pool.decodeFrame,
    concurrency: 2 * pool.size,
    allocate,
    startStream,
    onReady,
    releaseInputs: true,
  };
  try {
    const result = 'paths' in job ? await loadPaths(job.paths, options) : await loadFiles(job.files, options);
    if (ready) {
      // Everything shown went out with 'ready'; what failed since was reported series by series.
      post({ type: 'done' });
      return;
    }
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
