// Decodes a series' frames into its volume: the slice the reader sees first, then outwards from
// wherever the reader is looking (SliceStreamPlan), on as many decoders as the pool has, each
// frame written into the volume and let go as soon as it is decoded (no second copy of the series).
import { SliceStreamPlan } from '../../../../shared/sliceStreamPlan';
import { voxelArrayConstructors, type VoxelArray, type VoxelType } from '../../../../shared/volume';
import { BadInputError } from '../errors';
import type { LoadedSeries, SeriesStreamListener } from '../types';

export type { SeriesStreamListener } from '../types';
import type { FrameInfo } from './frameInfo';
import type { FrameSource } from './frameSource';
import type { ParsedInstance } from './parse';
import { outputVoxelType, storedRange, writeRescaled, type Rescale } from './pixels';

export interface SeriesContext {
  frames: FrameSource;
  /** How many compressed frames may be decoding at once. */
  concurrency: number;
  /** Called after each frame is read; may throw to abort. */
  frameDone(): Promise<void>;
  /** Where voxels are kept (the load worker shares them with the main thread); default a plain array. */
  allocate?(type: VoxelType, length: number): VoxelArray;
  /**
   * Streaming: called once the series has its type and the first slice (the middle one, where views
   * open); the series' voxels fill in behind it, and the returned listener hears how.
   * `declaredRange`: the values the headers allow (a superset of the values there are, in the type).
   */
  startStream?(series: LoadedSeries, declaredRange: [number, number]): SeriesStreamListener;
}

/**
 * Fills `series.volume` (dims set, voxels not yet allocated) from `frames`, frame n being k-slice n. Its
 * type is the narrowest that holds every rescaled value exactly, as if all frames had been decoded
 * before choosing: it starts as the first slice needs and widens when a later slice needs more.
 */
export async function decodeIntoVolume(
  frames: FrameInfo[],
  series: LoadedSeries,
  context: SeriesContext,
): Promise<void> {
  const { volume } = series;
  // Set once the first slice is in; the decoding before it has nobody to tell.
  const streaming: { listener?: SeriesStreamListener } = {};
  const sliceSize = volume.dims[0] * volume.dims[1];
  const length = sliceSize * frames.length;
  const allocate = context.allocate ?? ((type, n) => new voxelArrayConstructors[type](n));
  const focus = () => streaming.listener?.focus() ?? Math.floor(frames.length / 2);
  const plan = new SliceStreamPlan(frames.length);
  const seen: { stored: { min: number; max: number }; rescale: Rescale }[] = [];
  const remaining = new Map<ParsedInstance, number>();
  for (const f of frames) remaining.set(f.instance, (remaining.get(f.instance) ?? 0) + 1);
  let allocated = false;

  const decodeOne = async (k: number) => {
    const frame = frames[k];
    const stored = await context.frames.storedFrame(frame);
    seen.push({ stored: { min: stored.min, max: stored.max }, rescale: frame.rescale });
    const type = outputVoxelType(seen);
    if (!allocated) {
      volume.voxelType = type;
      volume.voxels = allocate(type, length);
      allocated = true;
    } else if (type !== volume.voxelType) {
      const wider = allocate(type, length);
      // TypedArray.set converts element by element natively; every value fits the wider type.
      wider.set(volume.voxels as never);
      volume.voxelType = type;
      volume.voxels = wider;
      streaming.listener?.widened(wider);
    }
    writeRescaled(volume.voxels, k * sliceSize, stored.values, frame.rescale);
    plan.markLoaded({ first: k, count: 1 });
    const left = remaining.get(frame.instance)! - 1;
    remaining.set(frame.instance, left);
    if (left === 0) context.frames.release(frame.instance);
    streaming.listener?.slice(k);
    await context.frameDone();
  };
  const guarded = async (k: number) => {
    try {
      await decodeOne(k);
    } catch (error) {
      throw error instanceof BadInputError || (error as Error)?.name === 'AbortError'
        ? error
        : new BadInputError(frames[k].instance.path, errorText(error, frames[k].instance.path));
    }
  };

  // Before any instance is released (its layout goes with it).
  const declared = declaredRange(frames, context.frames);
  // The first slice alone: it decides the type, and the reader is waiting for it.
  const firstSlice = plan.next(focus(), 1)!.first;
  await guarded(firstSlice);
  streaming.listener = context.startStream?.(series, clamp(declared, volume.voxelType));
  streaming.listener?.slice(firstSlice);
  let failed = false;
  const runner = async () => {
    while (!failed) {
      const run = plan.next(focus(), 1);
      if (!run) return;
      try {
        await guarded(run.first);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, context.concurrency) }, runner));
  } catch (error) {
    streaming.listener?.failed(error);
    throw error;
  }
}

/** The rescaled range BitsStored and PixelRepresentation allow over all frames. */
function declaredRange(frames: FrameInfo[], source: FrameSource): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const { instance, rescale } of frames) {
    const [low, high] = storedRange(source.layout(instance));
    const a = low * rescale.slope + rescale.intercept;
    const b = high * rescale.slope + rescale.intercept;
    min = Math.min(min, a, b);
    max = Math.max(max, a, b);
  }
  return [min, max];
}

/** `range` within what `type` can hold. */
function clamp([min, max]: [number, number], type: VoxelType): [number, number] {
  const limits: Partial<Record<VoxelType, [number, number]>> = {
    int16: [-(2 ** 15), 2 ** 15 - 1],
    int32: [-(2 ** 31), 2 ** 31 - 1],
  };
  const [low, high] = limits[type] ?? [min, max];
  return [Math.max(min, low), Math.min(max, high)];
}

function errorText(error: unknown, path: string): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.startsWith(`${path}: `) ? text.slice(path.length + 2) : text;
}
