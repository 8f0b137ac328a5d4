// DICOM → LoadResult: parse every file, group image instances into series, build one volume per series,
// and read DICOM SEGs, placing each on its series when that series is loaded in the same call.
import type { Segmentation } from '../../../../shared/volume';
import { BadInputError, readableReason } from '../errors';
import type { InputFile, LoadedSegmentationSource, LoadedSeries, LoadResult } from '../types';
import { decodeFrame as decodeInThisThread, type DecodeFrame } from './decodeFrame';
import { FrameSource } from './frameSource';
import { groupSeries } from './grouping';
import { parseDicom, type ParsedInstance } from './parse';
import { segmentationOnOwnGrid, segmentationOnSeries } from './segPlacement';
import { readSegmentation } from './segReader';
import { buildSeries, frameCount } from './series';

export { placeSegmentation } from './segPlacement';
export { decodeFrame } from './decodeFrame';
export type { DecodeFrame, FrameDecodeRequest, DecodedFrame } from './decodeFrame';

export interface DicomLoadOptions {
  /** Fraction of the work done, 0…1, increasing. */
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
  /** Decoder for compressed frames; the app passes the worker pool's (decodePool.ts). Default: this thread. */
  decodeFrame?: DecodeFrame;
  /** Compressed frames decoding at once; match the pool size (default 4). */
  concurrency?: number;
}

/** Share of progress given to parsing; decoding and assembling take the rest. */
const parseShare = 0.2;

export async function loadDicomFiles(
  files: InputFile[],
  options: DicomLoadOptions = {},
): Promise<LoadResult> {
  const { onProgress, signal } = options;
  const pace = pacer(signal);
  const errors: LoadResult['errors'] = [];
  const images: ParsedInstance[] = [];
  const segs: ParsedInstance[] = [];

  for (let n = 0; n < files.length; n++) {
    await pace();
    try {
      const parsed = parseDicom(files[n]);
      (parsed.kind === 'segmentation' ? segs : images).push(parsed);
    } catch (error) {
      errors.push(errorEntry(files[n].path, error));
    }
    onProgress?.((parseShare * (n + 1)) / files.length);
  }

  const groups = groupSeries(images);
  const totalFrames = groups.reduce((sum, g) => sum + frameCount(g.instances), 0) + frameCount(segs);
  let framesDone = 0;
  const source = new FrameSource(options.decodeFrame ?? decodeInThisThread);
  const frameDone = async () => {
    framesDone++;
    onProgress?.(Math.min(1, parseShare + ((1 - parseShare) * framesDone) / Math.max(1, totalFrames)));
    await pace();
  };

  const series: LoadedSeries[] = [];
  for (const { instances, warnings, withoutSeriesUid } of groups) {
    try {
      const loaded = await buildSeries(instances, {
        frames: source,
        concurrency: options.concurrency ?? 4,
        frameDone,
      });
      loaded.warnings.push(...warnings);
      if (withoutSeriesUid && loaded.dicom) loaded.dicom.groupedWithoutSeriesUid = true;
      series.push(loaded);
    } catch (error) {
      if (isAbort(error)) throw error;
      errors.push(errorEntry(instances[0].path, error));
    } finally {
      instances.forEach((i) => source.release(i));
    }
  }

  const segmentations: LoadedSegmentationSource[] = [];
  for (const seg of segs) {
    try {
      const definition = await readSegmentation(seg, source);
      const target = series.find(
        (s) =>
          definition.referencedSeriesInstanceUid &&
          s.dicom?.seriesInstanceUid === definition.referencedSeriesInstanceUid,
      );
      segmentations.push({
        path: seg.path,
        segmentation: target ? segmentationOnSeries(definition, target) : segmentationOnOwnGrid(definition),
        referencedSeriesInstanceUid: definition.referencedSeriesInstanceUid,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      errors.push(errorEntry(seg.path, error));
    }
    for (let n = 0; n < frameCount([seg]); n++) await frameDone();
  }
  onProgress?.(1);
  return { series, errors, segmentations };
}

/**
 * Reads a DICOM SEG and places it on a series loaded earlier (the app opens a SEG onto the image on
 * screen). Frames are matched to slices by the source images they reference, else by plane position.
 */
export async function loadSegmentationOnto(
  file: InputFile,
  series: LoadedSeries,
  options: Pick<DicomLoadOptions, 'decodeFrame'> = {},
): Promise<Segmentation> {
  const parsed = parseDicom(file);
  if (parsed.kind !== 'segmentation') throw new BadInputError(file.path, 'is not a DICOM Segmentation (SEG)');
  const definition = await readSegmentation(
    parsed,
    new FrameSource(options.decodeFrame ?? decodeInThisThread),
  );
  return segmentationOnSeries(definition, series);
}

function errorEntry(path: string, error: unknown): { file: string; message: string } {
  if (error instanceof BadInputError) return { file: error.file, message: error.message };
  if (isAbort(error)) throw error;
  const text = readableReason(error, path);
  return { file: path, message: text.startsWith(path) ? text : `${path}: ${text}` };
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}

/** Yields to the event loop every ~50 ms so that an abort (and progress events) get through; throws once aborted. */
function pacer(signal: AbortSignal | undefined): () => Promise<void> {
  let last = Date.now();
  return async () => {
    signal?.throwIfAborted();
    if (Date.now() - last < 50) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = Date.now();
    signal?.throwIfAborted();
  };
}
