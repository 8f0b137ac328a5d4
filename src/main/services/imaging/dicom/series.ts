// The instances of one series → one LoadedSeries: check the slices fit together, order them, decode
// their frames and write rescaled voxels of an exact type.
import { basename, dirname } from 'node:path';
import { voxelArrayConstructors, type Volume } from '../../../../shared/volume';
import { BadInputError } from '../errors';
import type { LoadedSeries } from '../types';
import { stringOf } from './attributes';
import { framesOf, type FrameInfo } from './frameInfo';
import type { FrameSource } from './frameSource';
import { stackGeometry } from './geometry';
import { seriesIdentity } from './identity';
import type { ParsedInstance } from './parse';
import { outputVoxelType, writeRescaled, type StoredFrame } from './pixels';

export interface SeriesContext {
  frames: FrameSource;
  /** How many compressed frames may be decoding at once. */
  concurrency: number;
  /** Called after each frame is read; may throw to abort. */
  frameDone(): Promise<void>;
}

export function seriesLabel(instance: ParsedInstance): string {
  const ds = instance.dataset;
  const description = stringOf(ds.SeriesDescription) ?? stringOf(ds.ProtocolName);
  const number = stringOf(ds.SeriesNumber);
  const name = description ?? (number ? `series ${number}` : 'series');
  return `${name} (${stringOf(ds.SeriesInstanceUID) ?? 'no SeriesInstanceUID'})`;
}

export function frameCount(instances: ParsedInstance[]): number {
  return instances.reduce((sum, i) => sum + (Number(i.dataset.NumberOfFrames ?? 1) || 1), 0);
}

export async function buildSeries(
  instances: ParsedInstance[],
  context: SeriesContext,
): Promise<LoadedSeries> {
  const first = instances[0];
  const label = seriesLabel(first);
  const path = commonFolder(instances.map((i) => i.path));
  const layout = context.frames.layout(first);
  for (const instance of instances) {
    const other = context.frames.layout(instance);
    if (other.rows !== layout.rows || other.columns !== layout.columns) {
      throw new BadInputError(
        instance.path,
        `is ${other.columns}×${other.rows} but other images of ${label} are ${layout.columns}×${layout.rows}; a series with mixed slice sizes cannot form one volume`,
      );
    }
    if (other.samplesPerPixel !== 1) {
      throw new BadInputError(
        instance.path,
        `is a colour image (${other.photometricInterpretation}, ${other.samplesPerPixel} samples per pixel); only grayscale volumes are loaded`,
      );
    }
  }
  if (layout.rows === 0 || layout.columns === 0) throw new BadInputError(first.path, 'has no Rows/Columns');

  const all = instances.flatMap(framesOf);
  let geometry;
  try {
    geometry = stackGeometry(all, label);
  } catch (error) {
    throw new BadInputError(path, error instanceof Error ? error.message : String(error));
  }
  const ordered = geometry.order.map((n) => all[n]);
  const stored = await readFrames(ordered, context);

  const voxelType = outputVoxelType(ordered.map((f, n) => ({ stored: stored[n], rescale: f.rescale })));
  const sliceSize = layout.rows * layout.columns;
  const voxels = new voxelArrayConstructors[voxelType](sliceSize * ordered.length);
  ordered.forEach((frame, k) => writeRescaled(voxels, k * sliceSize, stored[k].values, frame.rescale));

  const warnings = [...geometry.warnings, ...instanceWarnings(instances)];
  if (instances.some((i) => context.frames.layout(i).photometricInterpretation === 'MONOCHROME1')) {
    warnings.push('MONOCHROME1 images were inverted so that higher values are brighter');
  }
  if (instances.some((i) => stringOf(i.dataset.LossyImageCompression) === '01')) {
    warnings.push('images were lossy compressed; voxel values are approximate');
  }

  const volume: Volume = {
    dims: [layout.columns, layout.rows, ordered.length],
    spacingMm: geometry.spacingMm,
    originLps: geometry.originLps,
    axesLps: geometry.axesLps,
    voxelType,
    voxels,
    modality: stringOf(first.dataset.Modality) ?? 'OT',
  };
  return {
    volume,
    description: stringOf(first.dataset.SeriesDescription) ?? stringOf(first.dataset.ProtocolName) ?? label,
    path,
    files: instances.map((i) => i.path),
    warnings,
    dicom: seriesIdentity(ordered),
  };
}

/** Reads frames in order with at most `concurrency` decodes in flight, releasing each instance when done. */
async function readFrames(frames: FrameInfo[], context: SeriesContext): Promise<StoredFrame[]> {
  const out = new Array<StoredFrame>(frames.length);
  const remaining = new Map<ParsedInstance, number>();
  for (const f of frames) remaining.set(f.instance, (remaining.get(f.instance) ?? 0) + 1);
  let next = 0;
  let failed = false;
  const runner = async () => {
    while (!failed && next < frames.length) {
      const n = next++;
      try {
        out[n] = await context.frames.storedFrame(frames[n]);
        const left = remaining.get(frames[n].instance)! - 1;
        remaining.set(frames[n].instance, left);
        if (left === 0) context.frames.release(frames[n].instance);
        await context.frameDone();
      } catch (error) {
        failed = true;
        throw error instanceof BadInputError || (error as Error)?.name === 'AbortError'
          ? error
          : new BadInputError(frames[n].instance.path, errorText(error, frames[n].instance.path));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, context.concurrency) }, runner));
  return out;
}

function errorText(error: unknown, path: string): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.startsWith(`${path}: `) ? text.slice(path.length + 2) : text;
}

/** Each file-level warning once, with the file it concerns or how many files share it. */
function instanceWarnings(instances: ParsedInstance[]): string[] {
  const files = new Map<string, string[]>();
  for (const instance of instances)
    for (const warning of instance.warnings)
      files.set(warning, [...(files.get(warning) ?? []), instance.path]);
  return [...files].map(([warning, paths]) =>
    paths.length === 1 ? `${basename(paths[0])}: ${warning}` : `${paths.length} files: ${warning}`,
  );
}

function commonFolder(paths: string[]): string {
  const folders = [...new Set(paths.map((p) => dirname(p)))];
  if (folders.length === 1) return folders[0];
  let prefix = folders[0];
  for (const f of folders) {
    while (prefix && !(f === prefix || f.startsWith(`${prefix}/`) || f.startsWith(`${prefix}\\`)))
      prefix = dirname(prefix) === prefix ? '' : dirname(prefix);
  }
  return prefix || folders[0];
}
