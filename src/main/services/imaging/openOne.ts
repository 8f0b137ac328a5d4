// What a command that works on one image needs from a load: exactly one series, or a refusal that
// says what the input is and how to fix the call. The app and the command line read the same files
// and say the same things about them.
import { needsModalityChoice } from '../../../shared/volume';
import { BadInputError, badInputFromEntry } from './errors';
import type { LoadedSegmentationSource, LoadedSeries, LoadResult } from './types';

/** A DICOM SEG given without its source images: what it is and what it needs. */
export function segmentationAloneMessage(source: LoadedSegmentationSource): string {
  const count = source.segmentation.segments.length;
  const series = source.referencedSeriesInstanceUid
    ? `series ${source.referencedSeriesInstanceUid}`
    : 'no series it names';
  return `${source.path}: is a DICOM SEG with ${count} segment${count === 1 ? '' : 's'} referencing ${series}; open it together with its source images`;
}

/** The SEGs of a load whose referenced series is not among the series it loaded. */
export function segmentationsWithoutTheirSeries(result: LoadResult): LoadedSegmentationSource[] {
  const loaded = new Set(result.series.map((s) => s.dicom?.seriesInstanceUid).filter(Boolean));
  return result.segmentations.filter(
    (s) => !s.referencedSeriesInstanceUid || !loaded.has(s.referencedSeriesInstanceUid),
  );
}

/** The one series of `result`, read from `path`; a BadInputError saying why not otherwise. */
export function oneSeriesOf(path: string, result: LoadResult): LoadedSeries {
  const [error] = result.errors;
  if (error) throw badInputFromEntry(error);
  if (result.series.length === 1) return result.series[0];
  if (result.series.length === 0) {
    const [seg] = result.segmentations;
    if (seg) throw new BadInputError(seg.path, segmentationAloneMessage(seg).slice(seg.path.length + 2));
    throw new BadInputError(path, 'holds no image series');
  }
  const names = result.series.map((s) => `"${s.description}" (${s.volume.dims.join('×')})`).join(', ');
  throw new BadInputError(
    path,
    `holds ${result.series.length} image series (${names}); give the folder or file of one of them`,
  );
}

/**
 * Why a model cannot run on `series` as given, or undefined: where the file does not say whether it
 * is CT or MR (and its intensities do not show it), the caller must, as the app asks its user to.
 */
export function modalityRefusal(series: LoadedSeries, given: string | undefined): string | undefined {
  if (given !== undefined || !needsModalityChoice(series.volume.modality)) return undefined;
  return `${series.path}: the file does not say whether it is CT or MR, and its intensities are not Hounsfield units; pass --modality CT or --modality MR`;
}

/** `--modality` as the models name it, or a message saying what it takes. */
export function parseModality(given: string | undefined): { modality?: string; problem?: string } {
  if (given === undefined) return {};
  const modality = given.trim().toUpperCase();
  if (modality === 'CT' || modality === 'MR') return { modality };
  return { problem: `--modality takes CT or MR, not "${given}"` };
}

/**
 * The format a segmentation written to `out` takes: a DICOM SEG for `.dcm` (it must reference the
 * DICOM images it was made on), else a NIfTI label map; a message when the two do not go together.
 */
export function segmentationFormatFor(
  out: string,
  source: LoadedSeries,
): { format: 'nifti' | 'dicom-seg'; problem?: string } {
  if (!/\.dcm$/i.test(out)) return { format: 'nifti' };
  if (source.dicom) return { format: 'dicom-seg' };
  return {
    format: 'dicom-seg',
    problem: `${out}: a DICOM SEG must reference DICOM images, and ${source.path} is not DICOM; write --out <file>.nii.gz`,
  };
}
