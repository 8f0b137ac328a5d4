import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from '../../../src/shared/modelManifest';

export const sharedData = join(process.cwd(), '..', 'shared', 'data');
export const exampleCt = join(sharedData, 'totalsegmentator', 'example_ct.nii.gz');
export const exampleSeg = join(sharedData, 'totalsegmentator', 'example_seg_fast_force_split.nii.gz');
export const flair = join(sharedData, 'niivue', 'FLAIR.nii.gz');
export const breastMr = join(sharedData, 'pyradiomics', 'breast1_image.nrrd');
/** A real coronal MR slab (3 × 3 mm in-plane, 5.5 mm apart; Philips 3 T; UKRIN-MAPS/ukat). */
export const coronalMr = join(
  sharedData,
  'ukat-mr-kidneys',
  'philips_01',
  '01001__B0_map_expiration_volume_2DMS_product_auto_e1.nii.gz',
);
export const haveData = existsSync(exampleCt);

/** /usr/bin/python3 with the training package's dependencies (numpy, scipy, nibabel)? */
export const havePython =
  existsSync('/usr/bin/python3') &&
  spawnSync('/usr/bin/python3', ['-c', 'import numpy, scipy, nibabel'], { stdio: 'ignore' }).status === 0;

/** The models folder the tests run on: CAUSAL_SAM_MODELS_DIR, else the shipped models/. */
export const modelsDir = process.env.CAUSAL_SAM_MODELS_DIR ?? join(process.cwd(), 'models');
export const demoDir = join(modelsDir, 'causal-sam-demo');
export const haveModel = existsSync(join(demoDir, 'manifest.json'));

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
