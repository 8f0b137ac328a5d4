// Facts about the open study that decide what the segmentation controls offer: whether the reader
// must say what the image is (a model normalises CT and MR differently, and a NIfTI or NRRD file
// often does not say), and whether a DICOM SEG can be written (it must reference DICOM sources).
import type { SeriesSummary } from '../../../shared/api';
import type { ModelManifest } from '../../../shared/modelManifest';

// The main process's command line asks for --modality on the same rule.
export { needsModalityChoice } from '../../../shared/volume';

/** The modalities a model has normalisation for (its manifest's `intensity` keys, less `default`). */
export function modalityChoices(manifest: Pick<ModelManifest, 'preprocessing'> | null | undefined): string[] {
  const keys = Object.keys(manifest?.preprocessing.intensity ?? {})
    .filter((k) => k.toLowerCase() !== 'default')
    .map((k) => k.toUpperCase());
  return keys.length ? keys : ['CT', 'MR'];
}

/** A series read from DICOM carries its Series Instance UID; a SEG needs those source instances. */
export function isDicomSource(series: Pick<SeriesSummary, 'seriesUid'> | null | undefined): boolean {
  return !!series?.seriesUid;
}
