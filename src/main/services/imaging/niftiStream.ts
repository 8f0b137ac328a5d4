// Opens an uncompressed NIfTI without reading it whole first: its header and its middle k-slice (the
// one the views open on) are all the first image needs. The series is announced with that slice, and
// the other slices are read from the file straight into the shared volume behind it, nearest the
// slice the reader looks at first (SliceStreamPlan), so the file is never held a second time.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { readFully } from './fileRanges';
import { basename, dirname, join } from 'node:path';
import { SliceStreamPlan } from '../../../shared/sliceStreamPlan';
import { valueRange, type VoxelArray, type VoxelType } from '../../../shared/volume';
import { sidecarName, sidecarTexts } from './bidsSidecar';
import { BadInputError } from './errors';
import {
  niftiHeaderBytes,
  niftiLayout,
  niftiSeries,
  shortDataError,
  writeScaled,
  type NiftiLayout,
} from './nifti';
import type { LoadedSeries, SeriesStreamListener } from './types';
import {
  BYTES_PER_VOXEL,
  decodeSamples,
  guessModality,
  HOST_IS_LITTLE_ENDIAN,
  isGzip,
  isIntegerType,
} from './voxelData';

export interface NiftiStreamContext {
  /** Where the volume lies (the load worker shares it with the main thread). */
  allocate(type: VoxelType, length: number): VoxelArray;
  /** Announces a series whose first slice is in; the listener hears about the rest. */
  startStream(series: LoadedSeries, declaredRange: [number, number]): SeriesStreamListener;
}

/** A NIfTI opened from its file: announced (streaming) or, where it had to be, read whole. */
export interface OpenedNifti {
  series: LoadedSeries;
  /** Resolves once every slice is in the volume; rejects (and tells the stream) if one cannot be read. */
  filled: Promise<void>;
}

/**
 * Bytes read at once behind the first slice: a few slices, so that the reads follow the runs the
 * renderer asks for closely (a run it waits for is not held up by a larger one read around it).
 */
const runBytes = 2 * 1024 ** 2;

/** The integer types' limits: a stream's display range until its values are measured. */
const integerLimits: Partial<Record<VoxelType, [number, number]>> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
};

/**
 * The values the header allows (the stored type's limits, scaled), else — for floating point, which
 * has no useful limits — those of the first slice read, until every slice is in and measured.
 */
export function declaredRange(layout: NiftiLayout, firstSlice: VoxelArray): [number, number] {
  const limits = integerLimits[layout.storedType];
  if (!limits) return valueRange(firstSlice);
  const { slope, inter } = layout.scaling ?? { slope: 1, inter: 0 };
  const [a, b] = limits.map((v) => v * slope + inter);
  return [Math.min(a, b), Math.max(a, b)];
}

/** Reads whole k-slices of the file into the volume: in place where no conversion is needed. */
function sliceReader(handle: FileHandle, path: string, layout: NiftiLayout, voxels: VoxelArray) {
  const { dims, storedType, littleEndian, scaling, offset } = layout;
  const sliceVoxels = dims[0] * dims[1];
  const sliceBytes = sliceVoxels * BYTES_PER_VOXEL[storedType];
  const inPlace = !scaling && (BYTES_PER_VOXEL[storedType] === 1 || littleEndian === HOST_IS_LITTLE_ENDIAN);
  return async (first: number, count: number): Promise<void> => {
    const position = offset + first * sliceBytes;
    if (inPlace) {
      const at = voxels.byteOffset + first * sliceBytes;
      return readFully(handle, path, new Uint8Array(voxels.buffer, at, count * sliceBytes), position);
    }
    const bytes = new Uint8Array(count * sliceBytes);
    await readFully(handle, path, bytes, position);
    const raw = decodeSamples(bytes, 0, storedType, count * sliceVoxels, littleEndian);
    writeScaled(voxels, first * sliceVoxels, raw, scaling);
  };
}

/** What a BIDS sidecar beside `path` says about the modality (none when there is none). */
async function statedTexts(path: string): Promise<{ texts: string[]; warning?: string }> {
  const name = sidecarName(basename(path));
  const bytes = name ? await readFile(join(dirname(path), name)).catch(() => undefined) : undefined;
  return bytes?.length ? sidecarTexts(join(dirname(path), name!), bytes) : { texts: [] };
}

/**
 * Opens `path` (a .nii) as a stream. Null where it must be read whole by readNifti instead: gzip (no
 * random access) and integers scaled by integers (their type depends on every value). An integer
 * image whose file does not state its modality and whose middle slice does not show it is CT is
 * read through before it is shown: only all its values can say.
 */
export async function openNiftiStream(
  path: string,
  context: NiftiStreamContext,
): Promise<OpenedNifti | null> {
  const handle = await open(path, 'r');
  let streaming = false;
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, niftiHeaderBytes));
    await readFully(handle, path, head, 0);
    if (isGzip(head)) return null;
    const layout = niftiLayout(path, head);
    const voxelType = layout.voxelType;
    if (!voxelType) return null;
    if (size < layout.needed) throw shortDataError(path, size, layout);
    const stated = await statedTexts(path);
    const texts = [...layout.texts, ...stated.texts];

    const [ni, nj, nk] = layout.dims;
    const voxels = context.allocate(voxelType, ni * nj * nk);
    const read = sliceReader(handle, path, layout, voxels);
    const runSlices = Math.max(1, Math.floor(runBytes / (ni * nj * BYTES_PER_VOXEL[layout.storedType])));
    const plan = new SliceStreamPlan(nk);
    const middle = plan.next(Math.floor(nk / 2), 1)!;
    await read(middle.first, 1);
    plan.markLoaded(middle);
    const firstSlice = voxels.subarray(middle.first * ni * nj, (middle.first + 1) * ni * nj);
    const guess = guessModality(firstSlice, voxelType, texts, nk > 1 ? ' on its middle slice' : '');
    const undecided = guess.modality === 'OT' && isIntegerType(voxelType);
    const withSidecar = (series: LoadedSeries) => {
      if (stated.warning) series.warnings.push(stated.warning);
      return series;
    };

    if (undecided) {
      for (let run = plan.next(0, runSlices); run; run = plan.next(0, runSlices))
        await read(run.first, run.count);
      const whole = guessModality(voxels, voxelType, texts);
      const series = withSidecar(niftiSeries(path, layout, voxels, voxelType, whole));
      series.valueRange = valueRange(voxels);
      return { series, filled: Promise.resolve() };
    }

    const series = withSidecar(niftiSeries(path, layout, voxels, voxelType, guess));
    const listener = context.startStream(series, declaredRange(layout, firstSlice));
    streaming = true;
    listener.slice(middle.first);
    const fill = async () => {
      for (
        let run = plan.next(listener.focus(), runSlices);
        run;
        run = plan.next(listener.focus(), runSlices)
      ) {
        await read(run.first, run.count);
        for (let k = run.first; k < run.first + run.count; k++) listener.slice(k);
      }
    };
    const filled = fill()
      .catch((error: unknown) => {
        const failure =
          error instanceof BadInputError
            ? error
            : new BadInputError(path, `cannot be read (${(error as Error).message})`);
        listener.failed(failure);
        throw failure;
      })
      .finally(() => handle.close());
    return { series, filled };
  } finally {
    if (!streaming) await handle.close();
  }
}
