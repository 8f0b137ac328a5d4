import type { InputFile } from './types';

export type FileFormat =
  | { kind: 'nifti' }
  | { kind: 'nrrd' }
  | { kind: 'nhdr' }
  | { kind: 'dicom' }
  /** A data file that belongs to a detached NRRD header; read through the header, not alone. */
  | { kind: 'nrrd-data' }
  | { kind: 'unknown' };

const lower = (path: string) => path.toLowerCase();

/** Decides which reader a file goes to, by magic bytes first and by name where magic cannot tell. */
export function detectFormat(file: InputFile): FileFormat {
  const { bytes } = file;
  const name = lower(file.path);
  const ascii = (start: number, length: number) =>
    String.fromCharCode(...bytes.subarray(start, Math.min(bytes.length, start + length)));

  if (ascii(0, 4) === 'NRRD') return name.endsWith('.nhdr') ? { kind: 'nhdr' } : { kind: 'nrrd' };
  if (name.endsWith('.nhdr')) return { kind: 'nhdr' };
  if (name.endsWith('.nrrd')) return { kind: 'nrrd' };
  if (ascii(344, 3) === 'n+1' || ascii(344, 3) === 'ni1' || ascii(4, 3) === 'n+2' || ascii(4, 3) === 'ni2') {
    return { kind: 'nifti' };
  }
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return { kind: 'nifti' };
  if (ascii(128, 4) === 'DICM' || name.endsWith('.dcm') || name.endsWith('.dicom')) return { kind: 'dicom' };
  if (/\.raw(\.gz)?$/.test(name)) return { kind: 'nrrd-data' };
  // DICOM files from scanners and PACS often have no extension and, in old ones, no preamble.
  if (!/\.[a-z0-9]{1,5}$/.test(name) || /\.\d+$/.test(name)) return { kind: 'dicom' };
  return { kind: 'unknown' };
}
