// The segmentation engine of one verified model: its sessions (engineSessions.ts), what a study
// must satisfy before a run (plan), and the runs built on them — whole-volume segmentation and a
// prompt on one slice (engineRuns.ts), and the decoder-only intervention decode
// (engineIntervention.ts, its arithmetic in interventionDecode.ts). The study's normalisation is
// computed once per study for every run.
import type { ModelManifest } from '../../../shared/modelManifest';
import type { Volume } from '../../../shared/volume';
import { voxelCount } from '../../../shared/volume';
import type { EmbeddingCache } from './cache';
import { decodeIntervention, type InterventionHost } from './engineIntervention';
import { promptSlice, segmentVolume } from './engineRuns';
import { ModelSessions } from './engineSessions';
import type {
  EngineOptions,
  InterventionDecode,
  InterventionDecodeResult,
  InterventionInputs,
  PromptOptions,
  RunOptions,
  SegmentResult,
  SegmentTimings,
} from './engineTypes';
import { SegmentationRefusedError } from './errors';
import { classTable, type ClassTable } from './labels';
import { estimateMemory, formatMb, tensorBytes, type MemoryEstimate } from './memory';
import { NormalisationCache } from './normalisationCache';
import type { OodStats } from './ood';
import { readOodStats } from './oodFile';
import { learnedDirection, type FilmDirection } from './interventionDecode';
import { sliceFrame, type IntensityMap, type SliceFrame } from './preprocess';
import type { EncodedPrompt, Prompt } from './prompt';

export { chooseProvider, listedProviders } from './engineProviders';
export { LOGIT_STEP } from './interventionDecode';
export type {
  EngineOptions,
  InterventionDecode,
  InterventionDecodeResult,
  InterventionInputs,
  PromptOptions,
  RunOptions,
  SegmentResult,
  SegmentTimings,
} from './engineTypes';

export class SegmentationEngine implements InterventionHost {
  readonly classes: ClassTable;
  readonly directionWorks = new Map<string, boolean>();
  private readonly normalisations: NormalisationCache;
  readonly cache: EmbeddingCache;
  readonly batch: number;
  readonly provider: string;
  readonly threads: number;
  /** Model input size (pixels per side), class count, FiLM feature width. */
  readonly S: number;
  readonly K: number;
  readonly C8: number;
  /** The model's out-of-distribution statistics (manifest files.ood); null when it has none. */
  oodStats: OodStats | null = null;

  private constructor(
    readonly manifest: ModelManifest,
    private readonly sessions: ModelSessions,
  ) {
    ({ cache: this.cache, batch: this.batch, provider: this.provider, threads: this.threads } = sessions);
    ({ S: this.S, K: this.K, C8: this.C8 } = sessions);
    this.classes = classTable(manifest);
    this.normalisations = new NormalisationCache(manifest);
  }

  /** Sessions for a model folder whose manifest has been verified (schema and sha256). */
  static async create(
    dir: string,
    manifest: ModelManifest,
    options: EngineOptions = {},
  ): Promise<SegmentationEngine> {
    const engine = new SegmentationEngine(manifest, await ModelSessions.create(dir, manifest, options));
    engine.oodStats = await readOodStats(dir, manifest);
    return engine;
  }

  async release(): Promise<void> {
    await this.sessions.release();
    this.normalisations.forget();
  }

  get manifestId(): string {
    return this.manifest.id;
  }
  get modelRef(): { id: string; version: string } {
    return { id: this.manifest.id, version: this.manifest.version };
  }
  /** Whether the decoder takes the FiLM and gate inputs (a plain SAM-style decoder does not). */
  get hasFilmInputs(): boolean {
    return this.sessions.hasFilmInputs;
  }
  /** Channels of one slice's embedding (the encoder output's first dimension after the batch). */
  get embeddingChannels(): number {
    return Number(this.manifest.encoder.outputs[0].shape[1]);
  }
  /** Bytes one slice's embeddings take in the cache. */
  get embeddingBytes(): number {
    return tensorBytes(this.manifest.encoder.outputs[0].shape, 1);
  }

  /** Refuses what the model cannot take; returns the frame and the memory estimate. */
  plan(
    volume: Volume,
    maxMemoryBytes?: number,
  ): { frame: SliceFrame; estimate: MemoryEstimate; warnings: string[] } {
    const frame = sliceFrame(volume, this.manifest);
    const rule =
      this.manifest.preprocessing.intensity[volume.modality.toUpperCase()] ??
      this.manifest.preprocessing.intensity.default;
    const estimate = estimateMemory(this.manifest, frame, voxelCount(volume.dims), {
      batch: this.batch,
      cacheBytes: this.cache.maxBytes,
      percentileSort: rule?.method === 'percentile',
      studyBytes: volume.voxels.byteLength,
    });
    if (maxMemoryBytes !== undefined && estimate.bytes > maxMemoryBytes) {
      const parts = Object.entries(estimate.parts)
        .map(([k, v]) => `${k} ${formatMb(v)}`)
        .join(', ');
      throw new SegmentationRefusedError(
        `not started: the run needs about ${formatMb(estimate.bytes)} (${parts}); ${formatMb(maxMemoryBytes)} is available`,
      );
    }
    const warnings =
      frame.obliquityDeg > 10
        ? [
            `the slices are ${frame.obliquityDeg.toFixed(0)}° off ${frame.plane}; the model was trained on axis-aligned ${frame.plane} slices and sees these unrotated`,
          ]
        : [];
    return { frame, estimate, warnings };
  }

  /** The study's intensity normalisation, computed once per study (a percentile rule sorts the volume). */
  normalisation(volume: Volume, volumeKey: string): IntensityMap {
    return this.normalisations.of(volume, volumeKey);
  }

  /** Encoder on slices not cached yet; returns every requested slice's embeddings. */
  embed(
    volume: Volume,
    frame: SliceFrame,
    map: IntensityMap,
    slices: number[],
    options: RunOptions,
    timings?: SegmentTimings,
  ): Promise<Float32Array[]> {
    return this.sessions.embed(volume, frame, map, slices, options, timings);
  }

  /**
   * The decoder alone on embeddings (cached), with one prompt per slice or none, and intervention
   * inputs ([B, K, C8] / [B, K, S, S]) or the neutral ones.
   */
  decoderOnly(
    embeddings: Float32Array[],
    prompts?: (EncodedPrompt | null)[],
    intervention?: InterventionInputs,
  ): Promise<{ classLogits: Float32Array; promptLogits: Float32Array }> {
    return this.sessions.decoderOnly(embeddings, prompts, intervention);
  }

  /** The learned FiLM direction of a class for grow/shrink, or null when there is none (all zero). */
  direction(kind: 'grow' | 'shrink', cls: number): FilmDirection | null {
    return this.hasFilmInputs ? learnedDirection(this.manifest, kind, cls, this.C8) : null;
  }

  /** Test-Time Causal Intervention on cached embeddings (see engineIntervention.ts). */
  decodeIntervention(
    volume: Volume,
    request: InterventionDecode,
    options: RunOptions,
  ): Promise<InterventionDecodeResult> {
    return decodeIntervention(this, volume, request, options);
  }

  /** Automatic multi-organ segmentation of the whole volume, on the study's grid. */
  segmentVolume(volume: Volume, options: RunOptions): Promise<SegmentResult> {
    return segmentVolume(this, volume, options);
  }

  /** A prompt on slice k → one segment on that slice, optionally propagated (see engineRuns.ts). */
  promptSlice(
    volume: Volume,
    k: number,
    prompt: Prompt,
    options: PromptOptions & { propagate?: boolean },
  ): Promise<SegmentResult> {
    return promptSlice(this, volume, k, prompt, options);
  }

  /** Drops what is kept for a closed study (or everything). */
  forget(volumeKey?: string): void {
    this.cache.clear(volumeKey);
    this.normalisations.forget(volumeKey);
  }
}
