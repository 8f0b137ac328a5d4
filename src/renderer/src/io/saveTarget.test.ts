import { describe, expect, it } from 'vitest';
import { formatOfPath, saveProblem, studyKey, withFormatExtension } from './saveTarget';

describe('save target', () => {
  it('reads the format from the extension', () => {
    expect(formatOfPath('/data/b_mr.dcm')).toBe('dicom-seg');
    expect(formatOfPath('/data/ct_seg.nii.gz')).toBe('nifti');
    expect(formatOfPath('/data/ct_seg.NII')).toBe('nifti');
    expect(formatOfPath('/data/ct_seg.nrrd')).toBeNull();
  });

  it('makes the extension follow a chosen format', () => {
    expect(withFormatExtension('/data/b_mr.dcm', 'nifti')).toBe('/data/b_mr.nii.gz');
    expect(withFormatExtension('/data/ct.nii.gz', 'dicom-seg')).toBe('/data/ct.dcm');
    expect(withFormatExtension('/data/ct.nii', 'nifti')).toBe('/data/ct.nii');
    expect(withFormatExtension('/data/ct_seg', 'nifti')).toBe('/data/ct_seg.nii.gz');
    expect(withFormatExtension('', 'nifti')).toBe('');
  });

  it('refuses a name and a format that disagree, and a SEG without a DICOM source', () => {
    expect(saveProblem({ path: '/d/b_mr.dcm', format: 'nifti' }, true)).toMatch(
      /ends in \.dcm but the format is NIfTI/,
    );
    expect(saveProblem({ path: '/d/ct.dcm', format: 'dicom-seg' }, false)).toMatch(
      /needs a study opened from DICOM/,
    );
    expect(saveProblem({ path: '/d/ct.nii.gz', format: 'nifti' }, false)).toBeNull();
    expect(saveProblem({ path: '  ', format: 'nifti' }, false)).toMatch(/type where/);
  });

  it('files a study by its Series Instance UID, else by its path', () => {
    expect(studyKey({ seriesUid: '1.2.3', path: '/d/mr' })).toBe('1.2.3');
    expect(studyKey({ path: '/d/ct.nii.gz' })).toBe('/d/ct.nii.gz');
  });
});
