// Out-of-distribution score of a run (issue 14, item 8): how far each slice's encoder embeddings lie
// from the training slices' (a Mahalanobis distance in the principal subspace of pooled embeddings
// plus the residual off it), and how unsure the decoder is over each structure it reports (mean
// predictive entropy). The statistics and both thresholds come with the model (ood.json, named in
// the manifest with its sha256), fitted and calibrated by scripts/calibrate-ood.mjs, so a retrained
// model brings its own. Pure: no I/O, no ONNX Runtime.
import { z } from 'zod';
import type { StructureOod, StudyOod } from '../../../shared/ood';
import type { SegmentInfo } from '../../../shared/volume';

const statsSchema = z.object({
  format: z.literal('causal-sam-ood-1'),
  dim: z.number().int().positive(),
  mean: z.array(z.number()),
  components: z.array(z.array(z.number())),
  variances: z.array(z.number().positive()),
  residualVariance: z.number().positive(),
  thresholds: z.object({ distance: z.number().positive(), entropy: z.number().positive() }),
});

export interface OodStats {
  dim: number;
  mean: Float64Array;
  /** Principal directions of the training slices' pooled embeddings, one row each (unit length). */
  components: Float64Array[];
  variances: Float64Array;
  /** Mean variance of the training features off the principal subspace. */
  residualVariance: number;
  thresholds: { distance: number; entropy: number };
}

/** Checks a parsed ood.json; the message names the problem (the caller names the file). */
export function parseOodStats(json: unknown): OodStats {
  const parsed = statsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `not an out-of-distribution statistics file (${issue.path.join('.') || 'root'}: ${issue.message})`,
    );
  }
  const s = parsed.data;
  if (s.mean.length !== s.dim || s.components.some((c) => c.length !== s.dim)) {
    throw new Error(`out-of-distribution statistics of inconsistent size (dim ${s.dim})`);
  }
  if (s.components.length !== s.variances.length) {
    throw new Error('out-of-distribution statistics: one variance per component is needed');
  }
  return {
    dim: s.dim,
    mean: Float64Array.from(s.mean),
    components: s.components.map((c) => Float64Array.from(c)),
    variances: Float64Array.from(s.variances),
    residualVariance: s.residualVariance,
    thresholds: s.thresholds,
  };
}

/**
 * One slice's embeddings [C, h, w] pooled to 2C features: each channel's mean and standard deviation
 * over the grid (the mean alone cannot tell a textured image from a flat one of the same average).
 */
export function pooledFeatures(embedding: Float32Array, channels: number): Float64Array {
  const cells = embedding.length / channels;
  const out = new Float64Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    for (let p = c * cells; p < (c + 1) * cells; p++) {
      sum += embedding[p];
      sq += embedding[p] * embedding[p];
    }
    const mean = sum / cells;
    out[c] = mean;
    out[channels + c] = Math.sqrt(Math.max(0, sq / cells - mean * mean));
  }
  return out;
}

/**
 * Distance of pooled features to the training set's: sqrt of (Σ projection² / variance over the
 * principal directions + residual² / residual variance) / dim; about 1 for a training slice.
 */
export function embeddingDistance(stats: OodStats, features: Float64Array): number {
  const centred = new Float64Array(stats.dim);
  for (let i = 0; i < stats.dim; i++) centred[i] = features[i] - stats.mean[i];
  let total = 0;
  let explained = 0;
  stats.components.forEach((component, k) => {
    let p = 0;
    for (let i = 0; i < stats.dim; i++) p += component[i] * centred[i];
    total += (p * p) / stats.variances[k];
    explained += p * p;
  });
  let norm = 0;
  for (let i = 0; i < stats.dim; i++) norm += centred[i] * centred[i];
  total += Math.max(0, norm - explained) / stats.residualVariance;
  return Math.sqrt(total / stats.dim);
}

/** Normalised predictive entropy (0 certain, 1 uniform) at pixel p of the slice starting at `base`. */
function entropyAt(logits: Float32Array, base: number, k: number, pixels: number, p: number): number {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, logits[base + c * pixels + p]);
  let z = 0;
  let weighted = 0;
  for (let c = 0; c < k; c++) {
    const d = logits[base + c * pixels + p] - max;
    const e = Math.exp(d);
    z += e;
    weighted += e * d;
  }
  // H = log Z − Σ e·d / Z, with d the logits shifted by their maximum.
  return (Math.log(z) - weighted / z) / Math.log(k);
}

/**
 * Predictive entropy of the softmax over K channels at each pixel of one slice of [B, K, S, S]
 * logits, divided by log K (0 certain, 1 uniform).
 */
export function pixelEntropy(
  logits: Float32Array,
  batchIndex: number,
  k: number,
  pixels: number,
  out: Float32Array,
): Float32Array {
  const base = batchIndex * k * pixels;
  for (let p = 0; p < pixels; p++) out[p] = entropyAt(logits, base, k, pixels, p);
  return out;
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Collects one run's slices (in any order) and reports the study's and each structure's score. */
export class OodAccumulator {
  private readonly distances: number[] = [];
  private readonly pixels: Float64Array;
  private readonly entropySum: Float64Array;
  private readonly distanceSum: Float64Array;

  constructor(
    private readonly stats: OodStats,
    private readonly classes: number,
    private readonly channels: number,
  ) {
    this.pixels = new Float64Array(classes);
    this.entropySum = new Float64Array(classes);
    this.distanceSum = new Float64Array(classes);
  }

  /** One slice: its embeddings [C, h, w], the decoder's logits (batch element b) and argmax map. */
  addSlice(embedding: Float32Array, logits: Float32Array, b: number, classMap: Uint8Array): number {
    const distance = embeddingDistance(this.stats, pooledFeatures(embedding, this.channels));
    this.distances.push(distance);
    const pixels = classMap.length;
    const base = b * this.classes * pixels;
    const counts = new Float64Array(this.classes);
    // Only structures are reported: background pixels (most of a slice) need no entropy.
    for (let p = 0; p < pixels; p++) {
      const c = classMap[p];
      if (c === 0) continue;
      counts[c]++;
      this.entropySum[c] += entropyAt(logits, base, this.classes, pixels, p);
    }
    for (let c = 0; c < this.classes; c++) {
      this.pixels[c] += counts[c];
      this.distanceSum[c] += counts[c] * distance;
    }
    return distance;
  }

  /** The study's score and one entry per reported segment (class index → segment by `lut`). */
  finish(lut: Uint16Array, segments: SegmentInfo[]): StudyOod {
    const { distance: tD, entropy: tE } = this.stats.thresholds;
    const structures: StructureOod[] = [];
    for (let c = 1; c < this.classes; c++) {
      const segment = segments.find((s) => s.value === lut[c]);
      if (!segment || this.pixels[c] === 0) continue;
      const entropy = this.entropySum[c] / this.pixels[c];
      const distance = this.distanceSum[c] / this.pixels[c];
      const score = Math.max(distance / tD, entropy / tE);
      structures.push({
        value: segment.value,
        name: segment.name,
        pixels: this.pixels[c],
        entropy: round(entropy),
        distance: round(distance),
        score: round(score),
        flagged: score >= 1,
      });
    }
    const distance = median(this.distances);
    return {
      distance: round(distance),
      score: round(distance / tD),
      flagged: distance >= tD,
      slices: this.distances.length,
      slicesFlagged: this.distances.filter((d) => d >= tD).length,
      structures,
      thresholds: { distance: tD, entropy: tE },
    };
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** What the reader is told with the result: nothing when every score is below 1. */
export function oodWarnings(ood: StudyOod): string[] {
  const warnings: string[] = [];
  if (ood.flagged) {
    warnings.push(
      `this study looks unlike the scans the model was trained on (out-of-distribution score ${ood.score.toFixed(2)}, ` +
        `1 or more means untrusted; ${ood.slicesFlagged} of ${ood.slices} slices): treat every structure it reports as unverified`,
    );
  }
  const uncertain = ood.structures.filter((s) => s.flagged).sort((a, b) => b.score - a.score);
  if (uncertain.length > 0 && !ood.flagged) {
    const list = uncertain.map((s) => `${s.name} ${s.score.toFixed(2)}`).join(', ');
    warnings.push(
      `the model is unsure of ${uncertain.length === 1 ? 'one structure' : `${uncertain.length} structures`} (score ≥ 1): ${list}; check ${uncertain.length === 1 ? 'it' : 'them'} before use`,
    );
  }
  return warnings;
}
