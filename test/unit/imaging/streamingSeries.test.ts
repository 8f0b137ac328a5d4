// The main thread's record of a series still decoding: requests wait for their slices, failures and
// closing reach whoever waits, the measured range replaces the declared one.
import { describe, expect, it } from 'vitest';
import { StreamingSeries } from '../../../src/main/services/imaging/streamingSeries';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';

function series(slices: number): LoadedSeries {
  return {
    volume: {
      dims: [2, 2, slices],
      spacingMm: [1, 1, 1],
      originLps: [0, 0, 0],
      axesLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      voxelType: 'int16',
      voxels: new Int16Array(4 * slices),
      modality: 'CT',
    },
    description: 'test',
    path: '/studies/ct',
    files: [],
    warnings: [],
  };
}

function streaming(slices = 10) {
  const focused: number[] = [];
  let stopped = 0;
  const stream = new StreamingSeries(series(slices), [-1024, 3071], {
    focus: (k) => focused.push(k),
    stop: () => stopped++,
  });
  return { stream, focused, stopped: () => stopped };
}

describe('StreamingSeries', () => {
  it('answers a request for slices once all of them are written, asking the decoder for them first', async () => {
    const { stream, focused } = streaming();
    stream.sliceWritten(5);
    await stream.slicesWritten(5, 1);
    let answered = false;
    const waiting = stream.slicesWritten(7, 2).then(() => (answered = true));
    expect(focused).toEqual([8]);
    stream.sliceWritten(7);
    await Promise.resolve();
    expect(answered).toBe(false);
    stream.sliceWritten(8);
    await waiting;
    expect(answered).toBe(true);
  });

  it('tells whoever waits, and whoever asks later, that the series failed', async () => {
    const { stream } = streaming();
    const waiting = stream.slicesWritten(3, 1);
    stream.failed(new Error('/studies/ct/0003.dcm: frame 1 could not be decoded'));
    await expect(waiting).rejects.toThrow('could not be decoded');
    await expect(stream.slicesWritten(0, 1)).rejects.toThrow('could not be decoded');
    await expect(stream.valueRange()).rejects.toThrow('could not be decoded');
    expect(stream.complete).toBe(false);
  });

  it('gives the measured range once complete, and follows a widened volume', async () => {
    const { stream } = streaming(2);
    stream.widened(new Int32Array(8));
    expect(stream.series.volume.voxelType).toBe('int32');
    stream.sliceWritten(0);
    stream.sliceWritten(1);
    stream.completed([-1000, 40_000]);
    expect(stream.complete).toBe(true);
    await expect(stream.valueRange()).resolves.toEqual([-1000, 40_000]);
    expect(stream.series.valueRange).toEqual([-1000, 40_000]);
  });

  it('closing stops the decoder and answers waiting requests', async () => {
    const { stream, stopped } = streaming();
    const waiting = stream.slicesWritten(9, 1);
    stream.close();
    await expect(waiting).rejects.toThrow('closed');
    expect(stopped()).toBe(1);
  });
});
