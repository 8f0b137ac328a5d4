import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../../shared/modelManifest';
import { isDicomSource, modalityChoices, needsModalityChoice } from './studySource';

describe('study source', () => {
  it('asks for the modality only where the file does not say', () => {
    expect(needsModalityChoice('OT')).toBe(true);
    expect(needsModalityChoice(' ot ')).toBe(true);
    expect(needsModalityChoice('')).toBe(true);
    expect(needsModalityChoice(undefined)).toBe(true);
    expect(needsModalityChoice('CT')).toBe(false);
    expect(needsModalityChoice('mr')).toBe(false);
  });

  it('offers the modalities the model normalises, else CT and MR', () => {
    const manifest = {
      preprocessing: { intensity: { CT: {}, mr: {}, default: {} } },
    } as unknown as Pick<ModelManifest, 'preprocessing'>;
    expect(modalityChoices(manifest)).toEqual(['CT', 'MR']);
    expect(modalityChoices({ preprocessing: { intensity: { PT: {} } } } as never)).toEqual(['PT']);
    expect(modalityChoices(null)).toEqual(['CT', 'MR']);
  });

  it('offers DICOM SEG only for a series read from DICOM', () => {
    expect(isDicomSource({ seriesUid: '1.2.3' })).toBe(true);
    expect(isDicomSource({ seriesUid: undefined })).toBe(false);
    expect(isDicomSource(null)).toBe(false);
  });
});
