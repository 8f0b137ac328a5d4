import { join } from 'node:path';
import type { ModelManifest } from '../../../src/shared/modelManifest';
import { modelFolder, python, sharedData, sharedFile } from '../requireData';

export { sharedData };

export const exampleCt = join(sharedData, 'totalsegmentator', 'example_ct.nii.gz');
export const exampleSeg = join(sharedData, 'totalsegmentator', 'example_seg_fast_force_split.nii.gz');
export const flair = join(sharedData, 'niivue', 'FLAIR.nii.gz');
export const breastMr = join(sharedData, 'pyradiomics', 'breast1_image.nrrd');
/** The shared CT most real-data tests run on (give it to `requireData`). */
export const exampleCtData = sharedFile(exampleCt);
/** A real coronal MR slab (3 × 3 mm in-plane, 5.5 mm apart; Philips 3 T; UKRIN-MAPS/ukat). */
export const coronalMr = join(
  sharedData,
  'ukat-mr-kidneys',
  'philips_01',
  '01001__B0_map_expiration_volume_2DMS_product_auto_e1.nii.gz',
);

/** /usr/bin/python3 with the training package's dependencies. */
export const trainingPython = python('numpy', 'scipy', 'nibabel');

/** The models folder the tests run on: CAUSAL_SAM_MODELS_DIR, else the shipped models/. */
export const modelsDir = process.env.CAUSAL_SAM_MODELS_DIR ?? join(process.cwd(), 'models');
export const demoDir = join(modelsDir, 'causal-sam-demo');
export const demoModel = modelFolder(demoDir);

/** The parts of a manifest the pure modules read, with the demo's values. */
export function demoManifest(overrides: Partial<ModelManifest['preprocessing']> = {}): ModelManifest {
  return {
    id: 'test-model',
    version: '0.0.1',
    preprocessing: {
      inputSize: 128,
      orientation: '',
      inPlaneSpacingMm: 3,
      channels: '',
      intensity: {
        CT: { method: 'percentile', percentiles: [0.5, 99.5], scope: 'volume' },
        MR: { method: 'percentile', percentiles: [0.5, 99.5], scope: 'volume' },
      },
      ...overrides,
    },
    classes: [
      { index: 0, name: 'background', colorRgb: [0, 0, 0] },
      { index: 1, name: 'spleen', catalogueId: 1, colorRgb: [157, 108, 162] },
      { index: 2, name: 'liver', colorRgb: [221, 130, 101] },
      { index: 3, name: 'aorta', catalogueId: 52, colorRgb: [224, 97, 76] },
    ],
  } as unknown as ModelManifest;
}
