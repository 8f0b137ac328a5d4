// What the segmentation engine's runs take and answer, shared by its parts (sessions, runs, the
// intervention decode) and by the worker that hosts it.
import type { StudyOod } from '../../../shared/ood';
import type { Segmentation } from '../../../shared/volume';
import { SegmentationRefusedError } from './errors';
import type { MemoryEstimate } from './memory';

export interface RunOptions {
  /** Identifies the study for the embedding cache (a series id, a file path). */
  volumeKey: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number, label: string) => void;
  /** Refuse a run whose estimate exceeds this (default: 80 % of the memory free now). */
  maxMemoryBytes?: number;
}

export interface SegmentTimings {
  preprocessMs: number;
  encoderMs: number;
  decoderMs: number;
  postprocessMs: number;
  totalMs: number;
  slices: number;
  encodedSlices: number;
}

export interface SegmentResult {
  segmentation: Segmentation;
  timingsMs: SegmentTimings;
  provider: string;
  model: { id: string; version: string };
  memoryEstimate: MemoryEstimate;
  /** What the user should know about this run (an oblique study, for instance). */
  warnings: string[];
  /** Out-of-distribution score of an automatic segmentation, where the model ships its statistics. */
  ood?: StudyOod;
}

export interface PromptOptions extends RunOptions {
  /** Segment name; 'lesion' by default. */
  name?: string;
  /** Catalogue value of the segment; from the name when the catalogue has it. */
  value: number;
  colorRgb: [number, number, number];
}

/**
 * Decoder re-run for a Test-Time Causal Intervention on some slices of a study: the class to
 * modulate, which way, how strongly, and where (the gate). Slices index the axis closest to S–I;
 * `gate` and the answer's `labels` hold one plane per slice, in the study's own voxel order
 * (see planeLayout).
 */
export interface InterventionDecode {
  slices: number[];
  classValue: number;
  direction: 'grow' | 'shrink';
  /** Multiplies the learned FiLM direction (1 = as trained). */
  strength: number;
  gate: Uint8Array;
}

export interface InterventionDecodeResult {
  /** The modulated decoder's label (catalogue value) at every voxel of the requested planes. */
  labels: Uint16Array;
  /**
   * Per voxel of the requested planes: the smallest strength at which the decoder gives the voxel
   * to the class (grow) or takes it away (shrink); 0 where it already does at no strength,
   * Infinity where no strength does. The logits are linear in the strength, so this is exact, and
   * `labels` at strength s is "flipStrength <= s" (for the class) — a strength search needs no
   * further decoder run.
   */
  flipStrength: Float32Array;
  /**
   * film: the learned FiLM direction of this class; logits: the model has no direction for this
   * class, no intervention inputs, or its direction moves the logits the wrong way over this gate;
   * so the class logit was raised or lowered inside the gate.
   */
  method: 'film' | 'logits';
  model: { id: string; version: string };
  timingsMs: { encoderMs: number; decoderMs: number; totalMs: number; encodedSlices: number };
}

/** Intervention inputs for decoder-only runs; missing ones are the manifest's neutral values. */
export interface InterventionInputs {
  filmScale?: Float32Array;
  filmShift?: Float32Array;
  gate?: Float32Array;
}

export interface EngineOptions {
  intraOpNumThreads?: number;
  cacheBytes?: number;
  batch?: number;
  /** Force an execution provider (e.g. 'cpu'); otherwise the best the machine lists. */
  provider?: string;
}

export function checkSlice(k: number, slices: number): void {
  if (!Number.isInteger(k) || k < 0 || k >= slices)
    throw new SegmentationRefusedError(`slice ${k} is outside the volume (0 to ${slices - 1})`);
}

export function emptyTimings(slices: number): SegmentTimings {
  return {
    preprocessMs: 0,
    encoderMs: 0,
    decoderMs: 0,
    postprocessMs: 0,
    totalMs: 0,
    slices,
    encodedSlices: 0,
  };
}

export function roundTimings(t: SegmentTimings): void {
  for (const key of ['preprocessMs', 'encoderMs', 'decoderMs', 'postprocessMs', 'totalMs'] as const) {
    t[key] = Math.round(t[key] * 10) / 10;
  }
}
