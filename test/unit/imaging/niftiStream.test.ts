import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voxelArrayConstructors, type VoxelArray } from '../../../src/shared/volume';
import { BadInputError } from '../../../src/main/services/imaging/errors';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { readNifti } from '../../../src/main/services/imaging/nifti';
import { openNiftiStream, type NiftiStreamContext } from '../../../src/main/services/imaging/niftiStream';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { encodeSamples, nifti1, type Nifti1Spec, type SampleType } from './niftiFixtures';

const [ni, nj, nk] = [6, 5, 9];
const middle = Math.floor(nk / 2);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nifti-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Voxel values of a CT-like volume: air and bone on every slice, and a value that tells the slice. */
const ctValues = () =>
  Array.from({ length: ni * nj * nk }, (_, n) => {
    const inSlice = n % (ni * nj);
    if (inSlice === 0) return -1000;
    if (inSlice === 1) return 1200;
    return 10 * Math.floor(n / (ni * nj)) + (inSlice % 7);
  });

async function niftiFile(
  name: string,
  type: SampleType,
  datatype: number,
  values: number[],
  spec: Partial<Nifti1Spec> = {},
) {
  const bytes = nifti1({
    dim: [3, ni, nj, nk, 1, 1, 1, 1],
    datatype,
    data: encodeSamples(type, values, spec.littleEndian ?? true),
    sform: [
      [-0.7, 0, 0, 10],
      [0, -0.7, 0, 20],
      [0, 0, 2, -30],
    ],
    ...spec,
  });
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

/** A stream context that records what the reader announced, and when. */
function recorder(focus = () => middle) {
  const events: { started?: { series: LoadedSeries; range: [number, number]; snapshot: number[] } } & {
    slices: number[];
    failed: unknown[];
  } = { slices: [], failed: [] };
  const context: NiftiStreamContext = {
    allocate: (type, length) => new voxelArrayConstructors[type](length),
    startStream: (series, range) => {
      events.started = { series, range, snapshot: Array.from(series.volume.voxels) };
      return {
        focus,
        slice: (k) => events.slices.push(k),
        widened: () => {
          throw new Error('a NIfTI never widens');
        },
        failed: (error) => events.failed.push(error),
      };
    },
  };
  return { events, context };
}

const sliceOf = (voxels: ArrayLike<number>, k: number) =>
  Array.from(voxels).slice(k * ni * nj, (k + 1) * ni * nj);

describe('openNiftiStream', () => {
  it('announces a CT with only its middle slice read, then fills in every voxel readNifti reads', async () => {
    const { path, bytes } = await niftiFile('ct.nii', 'int16', 4, ctValues());
    const expected = readNifti({ path, bytes });
    const { events, context } = recorder();
    const opened = (await openNiftiStream(path, context))!;
    const started = events.started!;
    // When the series is announced, the middle slice is there and nothing else has been read.
    expect(sliceOf(started.snapshot, middle)).toEqual(sliceOf(expected.volume.voxels, middle));
    expect(started.snapshot.filter((v, n) => Math.floor(n / (ni * nj)) !== middle && v !== 0)).toEqual([]);
    expect(started.range).toEqual([-32768, 32767]);
    expect(events.slices[0]).toBe(middle);

    await opened.filled;
    expect([...events.slices].sort((a, b) => a - b)).toEqual(Array.from({ length: nk }, (_, k) => k));
    const { volume } = opened.series;
    expect(Array.from(volume.voxels)).toEqual(Array.from(expected.volume.voxels));
    expect(volume.voxelType).toBe('int16');
    expect(volume.dims).toEqual(expected.volume.dims);
    expect(volume.spacingMm).toEqual(expected.volume.spacingMm);
    expect(volume.originLps).toEqual(expected.volume.originLps);
    expect(volume.axesLps).toEqual(expected.volume.axesLps);
    expect(volume.modality).toBe('CT');
    expect(opened.series.warnings.join(' ')).toMatch(
      /Hounsfield units \(-1000 to 1200 on its middle slice\)/,
    );
  });

  it('reads next the slices nearest where the reader looks', async () => {
    const { path } = await niftiFile('focus.nii', 'int16', 4, ctValues());
    const { events, context } = recorder(() => 0);
    await (await openNiftiStream(path, context))!.filled;
    // One run (the file is small): from slice 0 upwards, after the middle one shown first.
    expect(events.slices).toEqual([
      middle,
      ...Array.from({ length: nk }, (_, k) => k).filter((k) => k !== middle),
    ]);
  });

  it('converts big-endian samples and scales them as readNifti does', async () => {
    const values = ctValues().map((v) => v / 4);
    const { path, bytes } = await niftiFile('scaled.nii', 'float32', 16, values, {
      littleEndian: false,
      slope: 0.5,
      inter: 3,
    });
    const expected = readNifti({ path, bytes });
    const { events, context } = recorder();
    const opened = (await openNiftiStream(path, context))!;
    await opened.filled;
    expect(opened.series.volume.voxelType).toBe('float32');
    expect(Array.from(opened.series.volume.voxels)).toEqual(Array.from(expected.volume.voxels));
    // Floating point has no limits worth showing: the middle slice's values until all are measured.
    const shown = sliceOf(expected.volume.voxels, middle);
    expect(events.started!.range).toEqual([Math.min(...shown), Math.max(...shown)]);
  });

  it('takes the modality a BIDS sidecar states', async () => {
    const { path } = await niftiFile('sub-01_T1w.nii', 'int16', 4, ctValues());
    await writeFile(join(dir, 'sub-01_T1w.json'), JSON.stringify({ Modality: 'MR' }));
    const { context } = recorder();
    const opened = (await openNiftiStream(path, context))!;
    await opened.filled;
    expect(opened.series.volume.modality).toBe('MR');
  });

  it('reads an integer image whose middle slice cannot tell its modality whole before showing it', async () => {
    // Bone only on the first slice: only all the values say that this is CT.
    const values = ctValues().map((v, n) => (n >= ni * nj && v === 1200 ? 100 : v));
    const { path, bytes } = await niftiFile('bone-below.nii', 'int16', 4, values);
    const expected = readNifti({ path, bytes });
    const { events, context } = recorder();
    const opened = (await openNiftiStream(path, context))!;
    expect(events.started).toBeUndefined();
    expect(Array.from(opened.series.volume.voxels)).toEqual(Array.from(expected.volume.voxels));
    expect(opened.series.volume.modality).toBe(expected.volume.modality);
    expect(opened.series.volume.modality).toBe('CT');
    expect(opened.series.valueRange).toEqual([-1000, 1200]);
  });

  it('leaves gzip and integer-scaled files to readNifti', async () => {
    const { bytes } = await niftiFile('plain.nii', 'int16', 4, ctValues());
    const gz = join(dir, 'zipped.nii');
    await writeFile(gz, gzipSync(bytes));
    const { path: scaled } = await niftiFile('int-scaled.nii', 'int16', 4, ctValues(), {
      slope: 2,
      inter: 0,
    });
    const { events, context } = recorder();
    expect(await openNiftiStream(gz, context)).toBeNull();
    expect(await openNiftiStream(scaled, context)).toBeNull();
    expect(events.started).toBeUndefined();
  });

  it('refuses a file shorter than its header says, with the message readNifti gives', async () => {
    const { path, bytes } = await niftiFile('short.nii', 'int16', 4, ctValues());
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    const { context } = recorder();
    const refusal = await openNiftiStream(path, context).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BadInputError);
    expect(() => readNifti({ path, bytes: bytes.subarray(0, bytes.length - 10) })).toThrow(
      (refusal as Error).message,
    );
  });
});

describe('loadPaths with streaming', () => {
  it('shows a NIfTI before its other slices are read and completes it behind', async () => {
    const { path, bytes } = await niftiFile('study.nii', 'int16', 4, ctValues());
    const { events, context } = recorder();
    let shown: { series: LoadedSeries[]; slicesThen: number } | undefined;
    const result = await loadPaths([path], {
      ...context,
      onReady: (ready) => (shown = { series: ready.series, slicesThen: events.slices.length }),
    });
    expect(result.errors).toEqual([]);
    const [streamed] = result.series;
    expect(shown!.series).toContain(streamed);
    expect(shown!.slicesThen).toBeLessThan(nk);
    expect(Array.from(streamed.volume.voxels as VoxelArray)).toEqual(
      Array.from(readNifti({ path, bytes }).volume.voxels),
    );
  });
});
