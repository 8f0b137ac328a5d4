import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { sidecarName, sidecarTexts } from './bidsSidecar';
import { detectFormat } from './detectFormat';
import { loadDicomFiles, type DecodeFrame, type DicomLoadOptions } from './dicom/index';
import { BadInputError } from './errors';
import { readFully, readRange } from './fileRanges';
import { readNifti } from './nifti';
import { openNiftiStream } from './niftiStream';
import { readNrrd } from './nrrd';
import type { InputFile, LoadedSeries, LoadResult } from './types';

export interface LoadOptions {
  onProgress?(fraction: number, label: string): void;
  signal?: AbortSignal;
  /** Decoder for compressed DICOM frames: the load worker passes its pool's; default this thread. */
  decodeFrame?: DecodeFrame;
  /** Frames decoding at once (the pool's capacity). */
  concurrency?: number;
  /** DICOM series streaming and memory (see DicomLoadOptions); the load worker sets them. */
  allocate?: DicomLoadOptions['allocate'];
  startStream?: DicomLoadOptions['startStream'];
  releaseInputs?: boolean;
  /** Streaming: what can be shown already, every series in it complete or announced as streaming. */
  onReady?(result: LoadResult): void;
}

/** A folder of a whole CT study has a few thousand files; far more means the wrong folder was chosen. */
const maxFiles = 20_000;

/** Expands folders (recursively, hidden entries skipped) into the files they hold. */
export async function collectFiles(
  paths: string[],
): Promise<{ files: string[]; errors: LoadResult['errors'] }> {
  const files: string[] = [];
  const errors: LoadResult['errors'] = [];
  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch {
      errors.push({ file: path, message: `${path}: no such file or folder` });
      return;
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
      for (const name of names) await visit(join(path, name));
    } else if (info.isFile()) {
      if (files.length >= maxFiles)
        throw new BadInputError(path, `more than ${maxFiles} files: choose one study's folder`);
      files.push(path);
    }
  };
  for (const path of paths) await visit(resolve(path));
  return { files, errors };
}

/**
 * Reads every file and hands each to its reader; one bad file never stops the others. Where the load
 * streams (the load worker), an uncompressed NIfTI is opened from its header and middle slice and read
 * into its volume behind them (niftiStream.ts); every other file is read into memory whole.
 */
export async function loadPaths(paths: string[], options: LoadOptions = {}): Promise<LoadResult> {
  const { files, errors } = await collectFiles(paths);
  const streamed = await openNiftiStreams(files, options, errors);
  const inputs: InputFile[] = [];
  const rest = files.filter((path) => !streamed.consumed.has(path));
  // Several reads at once: a series is hundreds of small reads, each mostly waiting on the disk.
  const read: (InputFile | LoadResult['errors'][number])[] = [];
  let next = 0;
  let done = 0;
  const reader = async () => {
    for (let n = next++; n < rest.length; n = next++) {
      options.signal?.throwIfAborted();
      const path = rest[n];
      try {
        read[n] = await readInput(path);
      } catch (error) {
        read[n] = { file: path, message: `${path}: cannot be read (${(error as Error).message})` };
      }
      options.onProgress?.((0.2 * ++done) / rest.length, 'Reading files');
    }
  };
  await Promise.all(Array.from({ length: readsAtOnce }, reader));
  // In the order the files were found, whichever read finished first.
  for (const outcome of read) {
    if ('bytes' in outcome) inputs.push(outcome);
    else errors.push(outcome);
  }
  const withStreamed = (result: LoadResult): LoadResult => ({
    ...result,
    series: [...streamed.series, ...result.series],
    errors: [...errors, ...result.errors],
  });
  let ready = false;
  const result = await loadFiles(
    inputs,
    { ...options, onReady: (shown) => ((ready = true), options.onReady?.(withStreamed(shown))) },
    (name, header) => readFile(join(dirname(header), name)),
  );
  // The streamed NIfTIs are shown now; their other slices are still being read.
  if (!ready && streamed.series.length > 0) options.onReady?.(withStreamed(result));
  await Promise.allSettled(streamed.filled);
  return withStreamed(result);
}

/** Files read at once. */
const readsAtOnce = 8;

/** Bytes read first of a file: a DICOM file's header almost always lies within them. */
const headBytes = 64 * 1024;

/**
 * A file's bytes; of a large DICOM file with its preamble, only its start (see InputFile.unread): the
 * pixels are read when they are decoded, so the files of a series are never all held at once.
 */
async function readInput(path: string): Promise<InputFile> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, headBytes));
    await readFully(handle, path, head, 0);
    const preamble = String.fromCharCode(...head.subarray(128, 132)) === 'DICM';
    if (size > head.length && preamble && detectFormat({ path, bytes: head }).kind === 'dicom')
      return {
        path,
        bytes: head,
        unread: { size, read: (offset, length) => readRange(path, offset, length) },
      };
    if (size === head.length) return { path, bytes: head };
    const bytes = new Uint8Array(size);
    bytes.set(head);
    await readFully(handle, path, bytes.subarray(head.length), head.length);
    return { path, bytes };
  } finally {
    await handle.close();
  }
}

/**
 * Opens the uncompressed NIfTIs among `files` as streams where the load streams. `consumed`: the
 * files dealt with here (those opened, those refused, and the BIDS sidecars read with them).
 */
async function openNiftiStreams(
  files: string[],
  options: LoadOptions,
  errors: LoadResult['errors'],
): Promise<{ series: LoadedSeries[]; filled: Promise<void>[]; consumed: Set<string> }> {
  const opened = { series: [] as LoadedSeries[], filled: [] as Promise<void>[], consumed: new Set<string>() };
  const { allocate, startStream } = options;
  if (!allocate || !startStream) return opened;
  for (const path of files.filter((f) => /\.nii$/i.test(f))) {
    options.signal?.throwIfAborted();
    try {
      const nifti = await openNiftiStream(path, { allocate, startStream });
      if (!nifti) continue;
      opened.series.push(nifti.series);
      opened.filled.push(nifti.filled);
    } catch (error) {
      errors.push(toFileError(path, error));
    }
    opened.consumed.add(path);
    const sidecar = sidecarName(basename(path));
    if (sidecar) opened.consumed.add(join(dirname(path), sidecar));
  }
  return opened;
}

/**
 * Dispatches in-memory files to the readers. `readSibling` fetches the data file that a detached
 * NRRD header names; for dropped files it is looked up among the other dropped files.
 */
export async function loadFiles(
  inputs: InputFile[],
  options: LoadOptions = {},
  readSibling?: (name: string, headerPath: string) => Promise<Uint8Array>,
): Promise<LoadResult> {
  const result: LoadResult = { series: [], errors: [], segmentations: [] };
  const dicomFiles: InputFile[] = [];
  const byName = new Map(inputs.map((f) => [basename(f.path), f]));
  const formats = inputs.map((file) => detectFormat(file));
  // Data files of detached NRRD headers are read through their header, not on their own.
  const hasNrrdHeader = formats.some((format) => format.kind === 'nhdr');
  const sidecars = new Set(
    inputs.flatMap((f, n) => (formats[n].kind === 'nifti' ? [sidecarName(basename(f.path))] : [])),
  );
  for (const [n, file] of inputs.entries()) {
    options.signal?.throwIfAborted();
    const format = formats[n];
    try {
      switch (format.kind) {
        case 'nifti': {
          const name = sidecarName(basename(file.path));
          const sidecar = name
            ? (byName.get(name)?.bytes ??
              (readSibling ? await readSibling(name, file.path).catch(() => undefined) : undefined))
            : undefined;
          const stated = sidecar?.length
            ? sidecarTexts(join(dirname(file.path), name!), sidecar)
            : { texts: [] };
          const series = readNifti(file, stated.texts);
          if (stated.warning) series.warnings.push(stated.warning);
          result.series.push(series);
          break;
        }
        case 'nrrd':
          result.series.push(readNrrd(file));
          break;
        case 'nhdr': {
          const detached = new Map<string, Uint8Array>();
          // readNrrd is synchronous: fetch every data file the header could name before calling it.
          for (const name of detachedDataFiles(file.bytes)) {
            const sibling = byName.get(basename(name));
            if (sibling) detached.set(name, sibling.bytes);
            else if (readSibling)
              detached.set(name, await readSibling(name, file.path).catch(() => new Uint8Array()));
          }
          result.series.push(
            readNrrd(file, (name) => {
              const bytes = detached.get(name);
              if (!bytes?.length) throw new BadInputError(file.path, `its data file "${name}" is missing`);
              return bytes;
            }),
          );
          break;
        }
        case 'dicom':
          dicomFiles.push(file);
          break;
        case 'nrrd-data':
          if (!hasNrrdHeader) {
            result.errors.push({
              file: file.path,
              message: `${file.path}: is the data file of a detached NRRD header: open the .nhdr file`,
            });
          }
          break;
        case 'unknown':
          // A NIfTI's JSON sidecar was read with it.
          if (sidecars.has(basename(file.path))) break;
          result.errors.push({
            file: file.path,
            message: `${file.path}: not a supported image (NIfTI, NRRD or DICOM)`,
          });
      }
    } catch (error) {
      result.errors.push(toFileError(file.path, error));
    }
  }
  if (dicomFiles.length > 0) {
    const dicom = await loadDicomFiles(dicomFiles, {
      signal: options.signal,
      decodeFrame: options.decodeFrame,
      concurrency: options.concurrency,
      allocate: options.allocate,
      startStream: options.startStream,
      releaseInputs: options.releaseInputs,
      onStreamsReady: (series, errors) =>
        options.onReady?.({
          series: [...result.series, ...series],
          errors: [...result.errors, ...errors],
          segmentations: [],
        }),
      onProgress: (fraction) => options.onProgress?.(0.2 + 0.8 * fraction, 'Decoding DICOM'),
    });
    result.series.push(...dicom.series);
    result.errors.push(...dicom.errors);
    result.segmentations.push(...dicom.segmentations);
  }
  options.onProgress?.(1, 'Loaded');
  return result;
}

/** The `data file:` names a detached NRRD header refers to (single file form only). */
function detachedDataFiles(header: Uint8Array): string[] {
  const text = new TextDecoder().decode(header.subarray(0, 64 * 1024));
  const match = /^data ?file:\s*(.+)$/im.exec(text);
  return match ? [match[1].trim()] : [];
}

export function toFileError(file: string, error: unknown): { file: string; message: string } {
  if (error instanceof BadInputError) return { file: error.file, message: error.message };
  return { file, message: `${file}: ${(error as Error).message ?? String(error)}` };
}
