// Streams an open series' voxels into one preallocated volume, k-slice runs at a time: first the slice
// the reader sees, then outwards from wherever the reader is looking. Each run is copied once, with
// TypedArray.set, into the one array every view shares; there is no per-voxel JavaScript here.
import type { SliceChunk } from '../../../shared/api';
import {
  sliceVoxelCount,
  voxelArrayConstructors,
  voxelTypeOf,
  type Volume,
  type VoxelType,
} from '../../../shared/volume';
import type { SeriesSummary } from '../../../shared/api';
import { SliceStreamPlan, type SliceRun } from '../../../shared/sliceStreamPlan';

/** About this many bytes per request: large enough to keep the pipe full, small enough to follow a scroll. */
const chunkBytes = 16 * 1024 ** 2;
/** Requests in flight at once: the pipe stays full while one run is copied in and drawn. */
const inFlight = 3;

export interface StreamOptions {
  fetchSlices(request: { seriesId: string; first: number; count: number }): Promise<SliceChunk>;
  /** The k-slice the reader is looking at now. */
  focus(): number;
  /** Called after each run has been copied in. */
  onSlices(run: SliceRun, plan: SliceStreamPlan): void;
  /**
   * The main side had to widen the series' type (a slice decoded late holds values the first ones
   * did not): shows `widened` instead of the volume streamed into so far; the stream goes on in it.
   */
  onWidened(widened: Volume): void;
  signal: AbortSignal;
}

/**
 * The series' volume with no voxels yet: all zero, which the allocator gives for free. Call
 * `blackenMissing` once the first image is up, so that slices still to come show as black.
 */
export function emptyVolume(summary: SeriesSummary): Volume {
  const { dims, spacingMm, originLps, axesLps, voxelType, modality } = summary;
  const voxels = new voxelArrayConstructors[voxelType](dims[0] * dims[1] * dims[2]);
  return { dims, spacingMm, originLps, axesLps, voxelType, modality, voxels };
}

/** Sets every slice that has not arrived to `value` (the volume's smallest: black in any window). */
export function blackenMissing(volume: Volume, plan: SliceStreamPlan, value: number): void {
  if (value === 0) return;
  const size = sliceVoxelCount(volume.dims);
  for (let k = 0; k < plan.total;) {
    if (plan.isLoaded(k)) {
      k++;
      continue;
    }
    let end = k;
    while (end < plan.total && !plan.isLoaded(end)) end++;
    volume.voxels.fill(value, k * size, end * size);
    k = end;
  }
}

export class StreamCancelledError extends Error {
  constructor() {
    super('loading was cancelled');
    this.name = 'StreamCancelledError';
  }
}

/** The types a streaming DICOM series widens through on the main side, narrowest first. */
const wideningOrder: VoxelType[] = ['int16', 'int32', 'float32'];

/** Whether a run of `arriving` type needs `volume` widened first (a narrower run converts as it is set). */
export function needsWidening(volume: Volume, arriving: VoxelType): boolean {
  const from = wideningOrder.indexOf(volume.voxelType);
  return from >= 0 && wideningOrder.indexOf(arriving) > from;
}

/** `volume` in a wider type: its voxels converted natively by TypedArray.set, no JavaScript loop. */
export function widenVolume(volume: Volume, type: VoxelType): Volume {
  const voxels = new voxelArrayConstructors[type](volume.voxels.length);
  voxels.set(volume.voxels as never);
  return { ...volume, voxelType: type, voxels };
}

/** Copies one fetched run into the volume; a run that does not fit the volume is refused. */
export function placeSlices(volume: Volume, chunk: SliceChunk): void {
  const size = sliceVoxelCount(volume.dims);
  if (chunk.voxels.length !== chunk.count * size || chunk.first + chunk.count > volume.dims[2])
    throw new Error(`slices ${chunk.first}…${chunk.first + chunk.count - 1} do not fit the volume`);
  // The same typed array type on both sides: set() is a memcpy (a narrower run converts natively).
  volume.voxels.set(chunk.voxels as never, chunk.first * size);
}

/**
 * Fetches every k-slice not yet in `plan` into `volume`; resolves when all have arrived, rejects with
 * StreamCancelledError once `signal` aborts (what has arrived stays in place).
 */
export async function streamVolume(
  seriesId: string,
  streamed: Volume,
  plan: SliceStreamPlan,
  options: StreamOptions,
): Promise<void> {
  let volume = streamed;
  const sliceBytes = sliceVoxelCount(volume.dims) * volume.voxels.BYTES_PER_ELEMENT;
  const runSlices = Math.max(1, Math.floor(chunkBytes / sliceBytes));
  let failed = false;
  const worker = async () => {
    for (;;) {
      if (options.signal.aborted) throw new StreamCancelledError();
      // One failed request ends the stream: the other worker stops asking too.
      if (failed) return;
      const run = plan.next(options.focus(), runSlices);
      if (!run) return;
      let chunk: SliceChunk;
      try {
        chunk = await options.fetchSlices({ seriesId, ...run });
      } catch (error) {
        plan.release(run);
        failed = true;
        throw error;
      }
      if (options.signal.aborted) throw new StreamCancelledError();
      const arriving = voxelTypeOf(chunk.voxels);
      if (needsWidening(volume, arriving)) {
        volume = widenVolume(volume, arriving);
        options.onWidened(volume);
      }
      placeSlices(volume, chunk);
      plan.markLoaded(run);
      options.onSlices(run, plan);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}
