// Where the segmentation of a study is saved, and in which format: the target belongs to the study
// (another study never inherits it), and the file name's extension and the format always agree —
// typing "…/seg.dcm" chooses DICOM SEG, choosing NIfTI makes the name end in ".nii.gz".
import type { SeriesSummary } from '../../../shared/api';

export type SaveFormat = 'nifti' | 'dicom-seg';

export interface SaveTarget {
  path: string;
  format: SaveFormat;
}

const extensions: [RegExp, SaveFormat][] = [
  [/\.nii\.gz$/i, 'nifti'],
  [/\.nii$/i, 'nifti'],
  [/\.dcm$/i, 'dicom-seg'],
];

/** What a study's saved work is filed under: its Series Instance UID, or the file it came from. */
export function studyKey(series: Pick<SeriesSummary, 'seriesUid' | 'path'>): string {
  return series.seriesUid ?? series.path;
}

/** The format a file name asks for by its extension, or null when it names none we write. */
export function formatOfPath(path: string): SaveFormat | null {
  return extensions.find(([pattern]) => pattern.test(path.trim()))?.[1] ?? null;
}

/** The name with the format's extension (".nii.gz" or ".dcm") in place of any it had. */
export function withFormatExtension(path: string, format: SaveFormat): string {
  const trimmed = path.trim();
  if (!trimmed || formatOfPath(trimmed) === format) return trimmed;
  const stem = extensions.reduce((name, [pattern]) => name.replace(pattern, ''), trimmed);
  return `${stem}${format === 'nifti' ? '.nii.gz' : '.dcm'}`;
}

/**
 * Why a save to `target` cannot go ahead as asked, or null: a name whose extension says another
 * format, or a DICOM SEG for a study that is not DICOM (a SEG must reference its source images).
 */
export function saveProblem(target: SaveTarget, dicomSource: boolean): string | null {
  const path = target.path.trim();
  if (!path) return 'type where to save the segmentation';
  const named = formatOfPath(path);
  if ((named ?? target.format) === 'dicom-seg' && !dicomSource) {
    return `${path}: a DICOM SEG needs a study opened from DICOM; save this one as NIfTI (.nii.gz)`;
  }
  if (named && named !== target.format) {
    return `${path}: the name ends in ${named === 'nifti' ? '.nii.gz' : '.dcm'} but the format is ${target.format === 'nifti' ? 'NIfTI' : 'DICOM SEG'}; choose one`;
  }
  return null;
}
