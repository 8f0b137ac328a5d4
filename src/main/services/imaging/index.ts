// The imaging area's public surface: open studies, keep them for the session, read and write
// segmentations on their grids.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { SeriesInfo, SeriesSummary, SliceChunk } from '../../../shared/api';
import { kSlices, valueRange, type Segmentation } from '../../../shared/volume';
import { personNameText } from './dicom/attributeSets';
import { loadSegmentationOnto } from './dicom/index';
import { collectGarbage } from './collectGarbage';
import { detectFormat } from './detectFormat';
import { writeDicomSeg, type SegAlgorithm } from './dicom/segWriter';
import { BadInputError, badInputFromEntry } from './errors';
import { flattenToLabelMap, labelMapToSegmentation, placeLabelMap } from './labelMaps';
import { loadFiles, toFileError, type LoadOptions } from './load';
import { loadInWorker } from './loadInWorker';
import { writeNiftiLabelMap } from './niftiWriter';
import type { InputFile, LoadedSeries, LoadResult } from './types';

export { BadInputError } from './errors';
export { LoadCancelledError } from './loadInWorker';
export { loadPaths } from './load';
export { labelMapToSegmentation, resampleSegmentation } from './labelMaps';
export type { InputFile, LoadedSeries, LoadResult } from './types';
export type { LoadOptions } from './load';
export {
  LONG_LENGTH_VRS,
  PATIENT_STUDY_KEYWORDS,
  derivedPatientStudy,
  personNameText,
} from './dicom/attributeSets';
export { decimalString } from './dicom/segWriter';
export {
  modalityRefusal,
  oneSeriesOf,
  parseModality,
  segmentationAloneMessage,
  segmentationFormatFor,
  segmentationsWithoutTheirSeries,
} from './openOne';

export const openPaths = (paths: string[], options?: LoadOptions): Promise<LoadResult> =>
  loadInWorker({ paths }, options);

export const openFiles = (files: InputFile[], options?: LoadOptions): Promise<LoadResult> =>
  loadInWorker({ files }, options);

/**
 * `openPaths` for callers that use the voxels at once (the command line): resolves once every series
 * is complete. A series that fails to complete becomes an error entry, as a file that fails to load.
 */
export async function openPathsWhole(paths: string[], options?: LoadOptions): Promise<LoadResult> {
  const result = await openPaths(paths, options);
  const errors = [...result.errors];
  const settled = await Promise.all(
    result.series.map((series) =>
      series.stream?.valueRange().then(
        () => true,
        (error: unknown) => (errors.push(toFileError(series.path, error)), false),
      ),
    ),
  );
  return { ...result, series: result.series.filter((_, n) => settled[n] !== false), errors };
}

/** What `info --json` prints for a series. */
export function seriesInfo(series: LoadedSeries): SeriesInfo {
  const { volume } = series;
  return {
    path: series.path,
    modality: volume.modality,
    dims: volume.dims,
    spacingMm: volume.spacingMm,
    originLps: volume.originLps,
    axesLps: volume.axesLps,
    voxelType: volume.voxelType,
    warnings: series.warnings,
  };
}

/** The series opened in this session, by handle. */
export class SeriesRegistry {
  private readonly series = new Map<string, LoadedSeries>();

  add(series: LoadedSeries): SeriesSummary {
    const seriesId = randomUUID();
    this.series.set(seriesId, series);
    return this.summary(seriesId, series);
  }

  /** An open series by handle, for what it is (path, identity), whether or not its voxels are all in. */
  get(seriesId: string): LoadedSeries {
    return this.find(seriesId);
  }

  /** An open series with all its voxels: one still being decoded is answered once it is complete. */
  async whole(seriesId: string): Promise<LoadedSeries> {
    const series = this.find(seriesId);
    await series.stream?.valueRange();
    return series;
  }

  /**
   * Whole k-slices of a series, as a view on its voxels (the transport copies them once); for a
   * series still being decoded, once they are written (decoding moves to them first).
   */
  async slices(seriesId: string, first: number, count: number): Promise<SliceChunk> {
    const series = this.find(seriesId);
    const last = first + count;
    if (series.stream && last <= series.volume.dims[2]) await series.stream.slicesWritten(first, count);
    const { volume, path } = series;
    try {
      return { seriesId, first, count, voxels: kSlices(volume.voxels, volume.dims, first, count) };
    } catch (error) {
      throw new BadInputError(path, (error as Error).message);
    }
  }

  /** The measured value range, once every slice is in. */
  async valueRange(seriesId: string): Promise<[number, number]> {
    const series = this.find(seriesId);
    return series.stream
      ? series.stream.valueRange()
      : (series.valueRange ?? valueRange(series.volume.voxels));
  }

  remove(seriesId: string): boolean {
    const series = this.series.get(seriesId);
    series?.stream?.close();
    const removed = this.series.delete(seriesId);
    // After the reply has gone out, not before: a collection takes tens of milliseconds.
    if (removed) setTimeout(collectGarbage, 0);
    return removed;
  }

  private find(seriesId: string): LoadedSeries {
    const series = this.series.get(seriesId);
    if (!series) throw new BadInputError(seriesId, 'no such open series (it may have been closed)');
    return series;
  }

  private summary(seriesId: string, series: LoadedSeries): SeriesSummary {
    return {
      ...seriesInfo(series),
      seriesId,
      description: series.description,
      studyUid: series.dicom?.studyInstanceUid,
      seriesUid: series.dicom?.seriesInstanceUid,
      patientName: personNameText(series.dicom?.patientStudy.PatientName),
      fileCount: series.files.length,
      // The load worker measures it off the main thread; series loaded in this thread are measured here.
      valueRange: series.valueRange ?? series.stream?.declaredRange ?? valueRange(series.volume.voxels),
      ...(series.valueRange === undefined && series.stream ? { valueRangeDeclared: true } : {}),
    };
  }
}

/**
 * Reads label maps (NIfTI, NRRD) or DICOM SEG and places them on `target`'s grid by patient
 * coordinates. A label map on another grid is resampled (nearest neighbour) where it overlaps the
 * study, with `placement` saying so, and refused with the reason where it does not.
 */
export async function readSegmentation(
  paths: string[],
  target: LoadedSeries,
): Promise<Segmentation & { placement?: string }> {
  const inputs = await Promise.all(
    paths.map(async (path) => ({ path, bytes: new Uint8Array(await readFile(path)) })),
  );
  // A DICOM SEG is matched to the target's slices by the source images it references: placing it by
  // geometry alone would misplace frames of a series with uneven slice spacing.
  const dicom = inputs.find((file) => detectFormat(file).kind === 'dicom');
  if (dicom) return loadSegmentationOnto(dicom, target);
  const loaded = await loadFiles(inputs);
  const [firstError] = loaded.errors;
  if (firstError) throw badInputFromEntry(firstError);
  const labels = loaded.series[0];
  if (!labels) throw new BadInputError(paths[0], 'holds no label map');
  const placed = placeLabelMap(asLabelMap(labels), target.volume, labels.path);
  if (placed.kind === 'refused') throw new BadInputError(labels.path, placed.reason);
  return placed.kind === 'resampled'
    ? { ...placed.segmentation, placement: placed.note }
    : placed.segmentation;
}

/**
 * A label file on its own grid, with no series to place it on (`causal-sam metrics`, `correct`):
 * a label map (NIfTI, NRRD) or a DICOM SEG; `named` says whether its segments carry names of their
 * own (a SEG does; a label map's names come from the catalogue by value).
 */
export async function readLabelFile(path: string): Promise<{ segmentation: Segmentation; named: boolean }> {
  const result = await openPathsWhole([path]);
  const [error] = result.errors;
  if (error) throw badInputFromEntry(error);
  if (result.segmentations.length > 0)
    return { segmentation: result.segmentations[0].segmentation, named: true };
  const series = result.series[0];
  if (!series) throw new BadInputError(path, 'holds no label map');
  return { segmentation: asLabelMap(series), named: false };
}

function asLabelMap(series: LoadedSeries): Segmentation {
  try {
    return labelMapToSegmentation(series.volume);
  } catch (error) {
    throw new BadInputError(series.path, `is not a label map (${(error as Error).message})`);
  }
}

export async function writeSegmentation(
  path: string,
  format: 'nifti' | 'dicom-seg',
  segmentation: Segmentation,
  source: LoadedSeries,
  options: { algorithm?: SegAlgorithm; overwrite?: boolean } = {},
): Promise<{ path: string; bytes: number }> {
  const bytes =
    format === 'nifti'
      ? writeNiftiLabelMap({ ...segmentation, labels: flattenToLabelMap(segmentation) })
      : writeDicomSeg(segmentation, source, options);
  // 'wx' fails with EEXIST rather than replace a file the caller did not say may go.
  await writeFile(path, bytes, { flag: options.overwrite === false ? 'wx' : 'w' });
  return { path, bytes: bytes.byteLength };
}
