// The model manifest (models/<id>/manifest.json) as the app reads it. models/manifest.schema.json is
// the one definition, shared with training/export.py; this type mirrors the parts the app uses.
import type { Vec3 } from './volume';

export interface ModelFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface TensorSpec {
  name: string;
  dtype: 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';
  /** Integers are fixed sizes; strings are symbolic (dynamic) dimensions. */
  shape: (number | string)[];
  description?: string;
}

export interface GraphSpec {
  opset: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Multiplies and adds of the graph's matrix products and convolutions for one sample. */
  flopsPerSample?: number;
}

export type IntensityNormalisation =
  | { method: 'window'; window: [number, number]; unit?: string }
  | { method: 'percentile'; percentiles: [number, number]; scope?: string };

/** One version's entry in a model's changelog (newest first). */
export interface ManifestChangelogEntry {
  version: string;
  /** YYYY-MM-DD */
  date?: string;
  changes: string[];
}

export type SlicePlane = 'axial' | 'coronal' | 'sagittal';

export interface ModelManifest {
  schemaVersion: 1;
  /** Absent in manifests written before kinds were named; a segmentation model either way. */
  kind?: 'segmentation';
  changelog?: ManifestChangelogEntry[];
  id: string;
  name: string;
  version: string;
  description?: string;
  intendedUse: string;
  licence: { model: string; notes?: string };
  trainingData: { name: string; source: string; licence: string; use: string }[];
  scores: {
    referenceLabels: string;
    results: {
      dataset: string;
      condition: string;
      perClass: Record<string, { dice: number; hd95Mm?: number }>;
    }[];
    other?: Record<string, unknown>;
  };
  /**
   * promptDecoder (optional): the decoder with a prompt-only refinement head, run for prompts; the
   * plain decoder runs automatic segmentation and interventions without paying for the head.
   */
  /** ood (optional): out-of-distribution statistics and thresholds (scripts/calibrate-ood.mjs). */
  files: { encoder: ModelFile; decoder: ModelFile; promptDecoder?: ModelFile; ood?: ModelFile };
  encoder: GraphSpec;
  decoder: GraphSpec;
  promptDecoder?: GraphSpec;
  preprocessing: {
    inputSize: number;
    orientation: string;
    inPlaneSpacingMm: number;
    resampling?: string;
    padCrop?: string;
    channels: string;
    /** Per modality (CT, MR, …, and `default`). */
    intensity: Record<string, IntensityNormalisation>;
    /**
     * Planes the model was trained on (absent: axial only); recorded for the reader. Slicing does
     * not depend on it: a slab is segmented in its own plane, any other volume axially (see
     * segmentation/preprocess.sliceFrame).
     */
    planes?: SlicePlane[];
    postprocessing?: string;
  };
  classes: { index: number; name: string; catalogueId?: number; colorRgb: Vec3 }[];
  prompt: {
    supported: ('point' | 'box' | 'mask')[];
    coordinates: string;
    labels: Record<string, string>;
    output?: string;
  };
  intervention: {
    inputs: string[];
    formula: string;
    neutral: { film_scale: number; film_shift: number; gate: number };
    featureDim?: number;
    directions: Record<string, { scale: number[]; shift: number[] }[]>;
  };
  parity: { reference: string; tolerance: number; producer?: string };
  parameters?: Record<string, unknown>;
  architecture?: Record<string, unknown>;
}
