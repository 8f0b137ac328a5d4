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
import { buildSeries, frameCount, type SeriesContext } from './series';

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
  /** Where volumes are allocated (the load worker shares them with the main thread). */
  allocate?: SeriesContext['allocate'];
  /**
   * Streaming (not for a load with a SEG, which is placed on complete series): each series is
   * announced once its first slice is decoded and fills in behind it; `onStreamsReady` is called once
   * every series has been announced or has failed, with those announced and the errors so far.
   */
  startStream?: SeriesContext['startStream'];
  onStreamsReady?(series: LoadedSeries[], errors: LoadResult['errors']): void;
  /** The inputs are the loader's to empty: each file's bytes are let go once parsed and decoded. */
  releaseInputs?: boolean;
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
      const parsed = await parseInstance(files[n]);
      (parsed.kind === 'segmentation' ? segs : images).push(parsed);
    } catch (error) {
      errors.push(errorEntry(files[n].path, error));
    }
    // The parsed dataset keeps what it needs (its pixels, until their frames are decoded).
    if (options.releaseInputs) files[n].bytes = new Uint8Array(0);
    onProgress?.((parseShare * (n + 1)) / files.length);
  }

  const groups = groupSeries(images);
  const totalFrames = groups.reduce((sum, g) => sum + frameCount(g.instances), 0) + frameCount(segs);
  let framesDone = 0;
  const source = new FrameSource(options.decodeFrame ?? decodeInThisThread, options.releaseInputs);
  const frameDone = async () => {
    framesDone++;
    onProgress?.(Math.min(1, parseShare + ((1 - parseShare) * framesDone) / Math.max(1, totalFrames)));
    await pace();
  };

  // Every series at once: each decodes its first slice before the rest, so all are announced early.
  const streaming = segs.length === 0 ? options.startStream : undefined;
  const announced: (LoadedSeries | undefined)[] = [];
  const groupErrors: LoadResult['errors'][] = groups.map(() => []);
  let unannounced = groups.length;
  const announce = (g: number, loaded?: LoadedSeries) => {
    announced[g] = loaded;
    if (--unannounced === 0)
      options.onStreamsReady?.(
        announced.filter((s) => s !== undefined),
        [...errors, ...groupErrors.flat()],
      );
  };
  const built = await Promise.all(
    groups.map(async ({ instances, warnings, withoutSeriesUid }, g) => {
      let started = false;
      // What the grouping knows about the series, added before it is announced or returned.
      const withGrouping = (series: LoadedSeries) => {
        series.warnings.push(...warnings);
        if (withoutSeriesUid && series.dicom) series.dicom.groupedWithoutSeriesUid = true;
        return series;
      };
      try {
        const loaded = await buildSeries(instances, {
          frames: source,
          concurrency: options.concurrency ?? 4,
          frameDone,
          allocate: options.allocate,
          startStream: streaming
            ? (series, declaredRange) => {
                started = true;
                const listener = streaming(withGrouping(series), declaredRange);
                announce(g, series);
                return listener;
              }
            : undefined,
        });
        return started ? loaded : withGrouping(loaded);
      } catch (error) {
        if (isAbort(error)) throw error;
        groupErrors[g].push(errorEntry(instances[0].path, error));
        if (!started && streaming) announce(g);
        return undefined;
      } finally {
        instances.forEach((i) => source.release(i));
      }
    }),
  );
  const series = built.filter((s) => s !== undefined);
  errors.push(...groupErrors.flat());

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

/**
 * Parses a file; one whose start alone was read is parsed from it where its pixels can stay in the
 * file until they are decoded, else read whole and parsed again.
 */
async function parseInstance(file: InputFile): Promise<ParsedInstance> {
  if (file.unread) {
    try {
      return parseDicom(file);
    } catch {
      file.bytes = await file.unread.read(0, file.unread.size);
      delete file.unread;
    }
  }
  return parseDicom(file);
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
