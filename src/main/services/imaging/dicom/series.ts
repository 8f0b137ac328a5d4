// The instances of one series → one LoadedSeries: check the slices fit together, order them, decode
// their frames and write rescaled voxels of an exact type.
import { basename, dirname } from 'node:path';
import type { Volume } from '../../../../shared/volume';
import { BadInputError } from '../errors';
import type { LoadedSeries } from '../types';
import { stringOf } from './attributes';
import { framesOf } from './frameInfo';
import { stackGeometry } from './geometry';
import { seriesIdentity } from './identity';
import type { ParsedInstance } from './parse';
import { decodeIntoVolume, type SeriesContext } from './seriesVoxels';

export type { SeriesContext, SeriesStreamListener } from './seriesVoxels';

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

  const warnings = [...geometry.warnings, ...instanceWarnings(instances)];
  if (instances.some((i) => context.frames.layout(i).photometricInterpretation === 'MONOCHROME1')) {
    warnings.push('MONOCHROME1 images were inverted so that higher values are brighter');
  }
  if (instances.some((i) => stringOf(i.dataset.LossyImageCompression) === '01')) {
    warnings.push('images were lossy compressed; voxel values are approximate');
  }

  // Type and voxels are set by the first slice decoded (decodeIntoVolume).
  const volume: Volume = {
    dims: [layout.columns, layout.rows, ordered.length],
    spacingMm: geometry.spacingMm,
    originLps: geometry.originLps,
    axesLps: geometry.axesLps,
    voxelType: 'int16',
    voxels: new Int16Array(0),
    modality: stringOf(first.dataset.Modality) ?? 'OT',
  };
  const series: LoadedSeries = {
    volume,
    description: stringOf(first.dataset.SeriesDescription) ?? stringOf(first.dataset.ProtocolName) ?? label,
    path,
    files: instances.map((i) => i.path),
    warnings,
    dicom: seriesIdentity(ordered),
  };
  await decodeIntoVolume(ordered, series, context);
  return series;
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
