import { describe, expect, it } from 'vitest';
import type { SeriesSummary, SliceChunk } from '../../../shared/api';
import { kSlices, type Vec3 } from '../../../shared/volume';
import { SliceStreamPlan } from '../../../shared/sliceStreamPlan';
import {
  blackenMissing,
  emptyVolume,
  needsWidening,
  placeSlices,
  StreamCancelledError,
  streamVolume,
} from './streamVolume';

// 512×512 int16 slices are 512 KiB: runs of 8 MiB hold 16 of them, so 40 slices take several runs.
const dims: Vec3 = [512, 512, 40];
const source = new Int16Array(dims[0] * dims[1] * dims[2]).map((_, n) => (n % 4093) - 2000);
const summary = {
  seriesId: 's',
  dims,
  spacingMm: [1, 1, 1],
  originLps: [0, 0, 0],
  axesLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  voxelType: 'int16',
  modality: 'CT',
  valueRange: [-2000, 2092],
} as SeriesSummary;

const served = async ({ first, count }: { first: number; count: number }): Promise<SliceChunk> => ({
  seriesId: 's',
  first,
  count,
  // A copy, as the wire delivers one.
  voxels: kSlices(source, dims, first, count).slice(),
});

describe('streamVolume', () => {
  it('fills the preallocated volume with exactly the source voxels, the focused slices first', async () => {
    const volume = emptyVolume(summary);
    const plan = new SliceStreamPlan(dims[2]);
    const order: number[] = [];
    await streamVolume('s', volume, plan, {
      fetchSlices: served,
      focus: () => 30,
      onSlices: (run) => order.push(run.first),
      onWidened: () => expect.unreachable('nothing was widened'),
      signal: new AbortController().signal,
    });
    expect(plan.complete).toBe(true);
    const got = volume.voxels as Int16Array;
    expect(got.every((v, n) => v === source[n])).toBe(true);
    expect(order[0]).toBe(30);
  });

  it('stops when cancelled, keeping what arrived and asking for nothing more', async () => {
    const volume = emptyVolume(summary);
    const plan = new SliceStreamPlan(dims[2]);
    const controller = new AbortController();
    let requests = 0;
    const stream = streamVolume('s', volume, plan, {
      fetchSlices: async (request) => {
        requests++;
        return served(request);
      },
      focus: () => 0,
      onSlices: () => controller.abort(),
      onWidened: () => expect.unreachable('nothing was widened'),
      signal: controller.signal,
    });
    await expect(stream).rejects.toBeInstanceOf(StreamCancelledError);
    expect(plan.complete).toBe(false);
    expect(requests).toBeLessThanOrEqual(2);
    expect(plan.isLoaded(0)).toBe(true);
  });

  it('widens the volume when the main side widened the series mid-stream, keeping every value', async () => {
    // Slices 0…19 served as int16, then (as after a late slice with values beyond int16) as int32.
    const wide = Int32Array.from(source, (v, n) => (n >= 35 * dims[0] * dims[1] ? v * 100 : v));
    const volume = emptyVolume(summary);
    const plan = new SliceStreamPlan(dims[2]);
    let shown = volume;
    await streamVolume('s', volume, plan, {
      fetchSlices: async ({ first, count }) => ({
        seriesId: 's',
        first,
        count,
        voxels:
          first < 20
            ? kSlices(source, dims, first, count).slice()
            : kSlices(wide, dims, first, count).slice(),
      }),
      focus: () => 0,
      onSlices: () => undefined,
      onWidened: (widened) => (shown = widened),
      signal: new AbortController().signal,
    });
    expect(shown.voxelType).toBe('int32');
    expect(shown.voxels).toBeInstanceOf(Int32Array);
    expect(shown.voxels.every((v, n) => v === wide[n])).toBe(true);
    expect(needsWidening(shown, 'int16')).toBe(false);
  });

  it('marks slices still to come black and refuses a run that does not fit', () => {
    const volume = emptyVolume(summary);
    const plan = new SliceStreamPlan(dims[2]);
    const run = plan.next(5, 1)!;
    placeSlices(volume, { seriesId: 's', ...run, voxels: kSlices(source, dims, 5, 1) });
    plan.markLoaded(run);
    blackenMissing(volume, plan, -2000);
    const size = dims[0] * dims[1];
    expect(volume.voxels[4 * size]).toBe(-2000);
    expect(volume.voxels[6 * size + 7]).toBe(-2000);
    expect(volume.voxels[5 * size + 7]).toBe(source[5 * size + 7]);
    expect(() =>
      placeSlices(volume, { seriesId: 's', first: 39, count: 2, voxels: new Int16Array(2 * size) }),
    ).toThrow(/do not fit/);
  });
});
