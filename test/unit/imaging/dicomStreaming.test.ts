// A compressed series streams from the loader: the slice the views open on is decoded first and
// announced on its own, the rest follows outwards from wherever the reader looks, and a slice whose
// values need a wider type than the ones before it widens the volume without changing a value.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import type { SeriesStreamListener } from '../../../src/main/services/imaging/dicom/series';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { requireData } from '../requireData';
import { convert, mrDir, readFolder, requireTools } from './dicomFixtures';

let work: string;
let j2k: string;

beforeAll(() => {
  requireData({ what: mrDir, present: existsSync(mrDir), fix: 'fetch the shared data (../shared/data)' });
  requireTools(['gdcmconv', 'dcmodify']);
  work = mkdtempSync(join(tmpdir(), 'dicom-streaming-'));
  // The 24-slice MR series as lossless JPEG 2000.
  j2k = join(work, 'j2k');
  mkdirSync(j2k);
  for (const name of readdirSync(mrDir).sort())
    convert('gdcmconv', ['-U', '--j2k', join(mrDir, name), join(j2k, name)]);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Loads `folder` streaming, one frame at a time, recording what the listener hears. */
async function streamed(folder: string, focusAfter?: { slices: number; focus: number }) {
  const events: string[] = [];
  const written: number[] = [];
  let announced: LoadedSeries | undefined;
  let ready: LoadedSeries[] = [];
  const result = await loadDicomFiles(readFolder(folder), {
    concurrency: 1,
    startStream: (series, declaredRange): SeriesStreamListener => {
      announced = series;
      events.push(`started ${series.volume.voxelType} ${declaredRange.join('…')}`);
      return {
        focus: () =>
          focusAfter && written.length >= focusAfter.slices
            ? focusAfter.focus
            : Math.floor(series.volume.dims[2] / 2),
        slice: (k) => written.push(k),
        widened: (voxels) =>
          events.push(`widened to ${voxels.constructor.name} after ${written.length} slices`),
        failed: (error) => events.push(`failed ${(error as Error).message}`),
      };
    },
    onStreamsReady: (series) => {
      ready = series;
      events.push(`ready with ${written.length} slice(s) written`);
    },
  });
  return { result, events, written, announced, ready };
}

/** Index of the first voxel that differs (-1: none); toEqual on millions of voxels takes minutes. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let n = 0; n < a.length; n++) if (a[n] !== b[n]) return n;
  return -1;
}

describe('streaming a compressed series', () => {
  it('announces the series once its middle slice is decoded, then decodes outwards from it', async () => {
    const { result, events, written, announced, ready } = await streamed(j2k);
    expect(result.errors).toEqual([]);
    const [series] = result.series;
    expect(announced).toBe(series);
    expect(ready).toEqual([series]);
    const total = series.volume.dims[2];
    const middle = Math.floor(total / 2);
    // Announced and ready before any slice but the middle one (written before it is announced): the
    // first image does not wait for the rest.
    expect(events.slice(0, 2)).toEqual([
      expect.stringMatching(/^started int16 /),
      'ready with 0 slice(s) written',
    ]);
    expect(written[0]).toBe(middle);
    expect(written.slice(0, 5)).toEqual([middle, middle + 1, middle - 1, middle + 2, middle - 2]);
    expect([...written].sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
    // The same voxels as the same series loaded without streaming.
    const plain = await loadDicomFiles(readFolder(j2k));
    expect(firstDifference(series.volume.voxels, plain.series[0].volume.voxels)).toBe(-1);
    expect(series.volume.voxelType).toBe(plain.series[0].volume.voxelType);
  }, 120_000);

  it('follows the reader: after a scroll to slice 2 the slices around it come next', async () => {
    const { written } = await streamed(j2k, { slices: 3, focus: 2 });
    expect(written.slice(3, 6)).toEqual([2, 3, 1]);
  }, 120_000);

  it('widens the volume when a slice decoded late needs a wider type, keeping every value', async () => {
    const wide = join(work, 'wide');
    mkdirSync(wide);
    const names = readdirSync(j2k).sort();
    for (const name of names) convert('cp', [join(j2k, name), join(wide, name)]);
    // The first file (an end slice, decoded last) rescaled beyond int16.
    convert('dcmodify', ['-nb', '-i', '(0028,1052)=40000', '-i', '(0028,1053)=1', join(wide, names[0])]);
    const { result, events } = await streamed(wide);
    expect(result.errors).toEqual([]);
    const [series] = result.series;
    expect(events.filter((e) => e.startsWith('widened'))).toHaveLength(1);
    expect(series.volume.voxelType).toBe('int32');
    const plain = (await loadDicomFiles(readFolder(j2k))).series[0].volume;
    const size = plain.dims[0] * plain.dims[1];
    // Every slice but the rescaled one keeps its values; that one is shifted by the intercept.
    const k = [...Array(plain.dims[2]).keys()].find(
      (n) => series.volume.voxels[n * size] !== plain.voxels[n * size],
    )!;
    for (let n = 0; n < plain.voxels.length; n++) {
      const expected = Math.floor(n / size) === k ? plain.voxels[n] + 40000 : plain.voxels[n];
      if (series.volume.voxels[n] !== expected)
        expect.fail(`voxel ${n}: ${series.volume.voxels[n]} ≠ ${expected}`);
    }
  }, 120_000);
});
