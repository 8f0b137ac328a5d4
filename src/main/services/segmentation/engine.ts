// ONNX Runtime sessions for one verified model, and the runs built on them: whole-volume automatic
// segmentation, a prompt on one slice, propagation of a prompt through neighbouring slices, and
// decoder-only re-runs on cached embeddings (prompts, interventions).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../../shared/modelManifest';
import type { Segmentation, Volume } from '../../../shared/volume';
import { voxelCount } from '../../../shared/volume';
import { EmbeddingCache } from './cache';
import { SegmentationCancelledError, SegmentationRefusedError } from './errors';
import { argmaxClasses, classTable, promptMask, type ClassTable } from './labels';
import { estimateMemory, formatMb, tensorBytes, type MemoryEstimate } from './memory';
import {
  gatePlane,
  intensityMap,
  modelToPlane,
  nearestPixels,
  planeLayout,
  preprocessSlice,
  sliceFrame,
  writeSliceBack,
  type IntensityMap,
  type SliceFrame,
} from './preprocess';
import {
  boxInModel,
  encodePrompt,
  intensityProfile,
  maskBox,
  profileFit,
  type EncodedPrompt,
  type Prompt,
} from './prompt';

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
   * film: the learned FiLM direction of this class; logits: the model has no direction for this
   * class, no intervention inputs, or its direction moves the logits the wrong way over this gate;
   * so the class logit was raised or lowered inside the gate.
   */
  method: 'film' | 'logits';
  model: { id: string; version: string };
  timingsMs: { encoderMs: number; decoderMs: number; totalMs: number; encodedSlices: number };
}

/** Logit units per unit of strength for models without FiLM inputs (a softmax margin of e² per step). */
export const LOGIT_STEP = 2;

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

/** Accelerated providers in order of preference; onnxruntime-node lists what this build carries. */
const PREFERRED = ['cuda', 'dml', 'coreml'];

export function listedProviders(): { name: string; bundled: boolean }[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] })
    .listSupportedBackends;
  return list ? list() : [{ name: 'cpu', bundled: true }];
}

export function chooseProvider(forced?: string): string {
  if (forced) return forced;
  // 'bundled: false' means the provider needs libraries this install lacks (CUDA on Linux).
  const listed = listedProviders();
  return PREFERRED.find((p) => listed.some((b) => b.name === p && b.bundled)) ?? 'cpu';
}

export class SegmentationEngine {
  readonly cache: EmbeddingCache;
  readonly classes: ClassTable;
  readonly batch: number;
  private readonly S: number;
  private readonly K: number;
  private readonly C8: number;
  private readonly embShape: number[];
  private readonly neutral = new Map<number, Record<'film_scale' | 'film_shift' | 'gate', ort.Tensor>>();

  private constructor(
    readonly manifest: ModelManifest,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    /** The decoder with the prompt head, where the model ships one; used only for prompts. */
    private readonly promptDecoder: ort.InferenceSession | null,
    readonly provider: string,
    readonly threads: number,
    options: EngineOptions,
  ) {
    this.cache = new EmbeddingCache(options.cacheBytes ?? 256 * 1024 ** 2);
    this.classes = classTable(manifest);
    this.batch = options.batch ?? 8;
    this.S = manifest.preprocessing.inputSize;
    this.K = manifest.classes.length;
    const filmShape = manifest.decoder.inputs.find((t) => t.name === 'film_scale')?.shape ?? [];
    this.C8 = manifest.intervention.featureDim ?? Number(filmShape[2]);
    this.embShape = manifest.encoder.outputs[0].shape.slice(1).map(Number);
  }

  /** Sessions for a model folder whose manifest has been verified (schema and sha256). */
  static async create(
    dir: string,
    manifest: ModelManifest,
    options: EngineOptions = {},
  ): Promise<SegmentationEngine> {
    // One core stays free for the app (and the UI) while inference runs.
    const threads = options.intraOpNumThreads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    let provider = chooseProvider(options.provider);
    const open = (file: string, ep: string) =>
      ort.InferenceSession.create(join(dir, file), {
        executionProviders: ep === 'cpu' ? ['cpu'] : [ep, 'cpu'],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    const openAll = (ep: string) =>
      Promise.all([
        open(manifest.files.encoder.path, ep),
        open(manifest.files.decoder.path, ep),
        manifest.files.promptDecoder ? open(manifest.files.promptDecoder.path, ep) : null,
      ]);
    let sessions: Awaited<ReturnType<typeof openAll>>;
    try {
      sessions = await openAll(provider);
    } catch (error) {
      if (provider === 'cpu') throw error;
      // A listed accelerator whose driver is missing: CPU still runs the model.
      provider = `cpu (${provider} failed: ${(error as Error).message.split('\n')[0]})`;
      sessions = await openAll('cpu');
    }
    return new SegmentationEngine(manifest, ...sessions, provider, threads, options);
  }

  async release(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
    await this.promptDecoder?.release();
    this.cache.clear();
  }

  get modelRef(): { id: string; version: string } {
    return { id: this.manifest.id, version: this.manifest.version };
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

  private neutralInputs(b: number) {
    let t = this.neutral.get(b);
    if (!t) {
      const { film_scale, film_shift, gate } = this.manifest.intervention.neutral;
      const { S, K, C8 } = this;
      t = {
        film_scale: new ort.Tensor('float32', new Float32Array(b * K * C8).fill(film_scale), [b, K, C8]),
        film_shift: new ort.Tensor('float32', new Float32Array(b * K * C8).fill(film_shift), [b, K, C8]),
        gate: new ort.Tensor('float32', new Float32Array(b * K * S * S).fill(gate), [b, K, S, S]),
      };
      this.neutral.set(b, t);
    }
    return t;
  }

  /** Encoder on slices not cached yet; returns every requested slice's embeddings. */
  async embed(
    volume: Volume,
    frame: SliceFrame,
    map: IntensityMap,
    slices: number[],
    options: RunOptions,
    timings?: SegmentTimings,
  ): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(slices.length);
    const missing: number[] = [];
    slices.forEach((k, n) => {
      const hit = this.cache.get(EmbeddingCache.key(options.volumeKey, k));
      if (hit) out[n] = hit;
      else missing.push(n);
    });
    const S = this.S;
    const embSize = this.embShape.reduce((a, b) => a * b, 1);
    for (let start = 0; start < missing.length; start += this.batch) {
      if (options.signal?.aborted) throw new SegmentationCancelledError();
      const chunk = missing.slice(start, start + this.batch);
      let t = performance.now();
      const input = new Float32Array(chunk.length * 3 * S * S);
      const plane = new Float32Array(S * S);
      chunk.forEach((n, b) => {
        preprocessSlice(volume, frame, map, slices[n], plane);
        for (let c = 0; c < 3; c++) input.set(plane, (b * 3 + c) * S * S);
      });
      if (timings) timings.preprocessMs += performance.now() - t;
      t = performance.now();
      const result = await this.encoder.run({
        image: new ort.Tensor('float32', input, [chunk.length, 3, S, S]),
      });
      if (timings) timings.encoderMs += performance.now() - t;
      const emb = result[this.manifest.encoder.outputs[0].name].data as Float32Array;
      chunk.forEach((n, b) => {
        const copy = emb.slice(b * embSize, (b + 1) * embSize);
        this.cache.set(EmbeddingCache.key(options.volumeKey, slices[n]), copy);
        out[n] = copy;
      });
      if (timings) timings.encodedSlices += chunk.length;
      options.onProgress?.(
        Math.min(1, (start + chunk.length) / Math.max(1, missing.length)),
        'encoding slices',
      );
    }
    return out;
  }

  /**
   * The decoder alone on embeddings (cached), with one prompt per slice or none, and intervention
   * inputs ([B, K, C8] / [B, K, S, S]) or the neutral ones.
   */
  async decoderOnly(
    embeddings: Float32Array[],
    prompts?: (EncodedPrompt | null)[],
    intervention?: InterventionInputs,
  ): Promise<{ classLogits: Float32Array; promptLogits: Float32Array }> {
    const b = embeddings.length;
    const embSize = this.embShape.reduce((x, y) => x * y, 1);
    const emb = new Float32Array(b * embSize);
    embeddings.forEach((e, n) => emb.set(e, n * embSize));
    const n = Math.max(1, ...(prompts ?? []).map((p) => p?.count ?? 0));
    const coords = new Float32Array(b * n * 2);
    const labels = new Float32Array(b * n).fill(-1);
    prompts?.forEach((p, s) => {
      if (!p) return;
      coords.set(p.coords, s * n * 2);
      labels.set(p.labels, s * n);
    });
    const { K, C8, S } = this;
    const feeds: Record<string, ort.Tensor> = {
      embeddings: new ort.Tensor('float32', emb, [b, ...this.embShape]),
      point_coords: new ort.Tensor('float32', coords, [b, n, 2]),
      point_labels: new ort.Tensor('float32', labels, [b, n]),
    };
    if (this.hasFilmInputs) {
      const neutral = this.neutralInputs(b);
      feeds.film_scale = intervention?.filmScale
        ? new ort.Tensor('float32', intervention.filmScale, [b, K, C8])
        : neutral.film_scale;
      feeds.film_shift = intervention?.filmShift
        ? new ort.Tensor('float32', intervention.filmShift, [b, K, C8])
        : neutral.film_shift;
      feeds.gate = intervention?.gate
        ? new ort.Tensor('float32', intervention.gate, [b, K, S, S])
        : neutral.gate;
    }
    // Prompts go through the prompt decoder where there is one; everything else skips its head.
    const prompted = prompts?.some((p) => p && p.count > 0) ?? false;
    const session = prompted && this.promptDecoder ? this.promptDecoder : this.decoder;
    const out = await session.run(feeds);
    return {
      classLogits: out.class_logits.data as Float32Array,
      promptLogits: out.prompt_logits.data as Float32Array,
    };
  }

  /** Whether the decoder takes the FiLM and gate inputs (a plain SAM-style decoder does not). */
  get hasFilmInputs(): boolean {
    return ['film_scale', 'film_shift', 'gate'].every((name) => this.decoder.inputNames.includes(name));
  }

  /** The learned FiLM direction of a class for grow/shrink, or null when there is none (all zero). */
  private direction(kind: 'grow' | 'shrink', cls: number): { scale: number[]; shift: number[] } | null {
    if (!this.hasFilmInputs) return null;
    const d = this.manifest.intervention.directions[kind]?.[cls];
    if (!d || d.scale.length !== this.C8 || d.shift.length !== this.C8) return null;
    return d.scale.some((x) => x !== 0) || d.shift.some((x) => x !== 0) ? d : null;
  }

  /**
   * Test-Time Causal Intervention on cached embeddings: the decoder re-run on the given slices with
   * class `classValue` modulated inside the gate — by its learned FiLM direction when the model has
   * one, else by shifting that class's logits — and the resulting labels on the study's grid.
   */
  async decodeIntervention(
    volume: Volume,
    request: InterventionDecode,
    options: RunOptions,
  ): Promise<InterventionDecodeResult> {
    const t0 = performance.now();
    const { frame } = this.plan(volume, options.maxMemoryBytes);
    const cls = Array.prototype.indexOf.call(this.classes.lut, request.classValue) as number;
    if (request.classValue <= 0 || cls <= 0) {
      throw new SegmentationRefusedError(
        `model "${this.manifest.id}" has no class with label value ${request.classValue}`,
      );
    }
    const layout = planeLayout(volume.dims, frame.sliceAxis);
    if (request.gate.length !== request.slices.length * layout.size) {
      throw new SegmentationRefusedError(
        `the gate has ${request.gate.length} voxels; ${request.slices.length} slices need ${request.slices.length * layout.size}`,
      );
    }
    for (const k of request.slices) checkSlice(k, frame.slices);
    const timings = emptyTimings(request.slices.length);
    const map = this.intensityMapOf(volume, options.volumeKey);
    const embeddings = await this.embed(volume, frame, map, request.slices, options, timings);
    const { S, K, C8 } = this;
    const pixels = S * S;
    const pull = modelToPlane(frame, layout);
    const direction = this.direction(request.direction, cls);
    const sign = request.direction === 'grow' ? 1 : -1;
    // A learned direction that, over the gate where it is first used, moves the class's logits the
    // wrong way on average is not used for that class and kind: its logits are shifted directly
    // instead (and the answer says so). The verdict is kept, so later commands run the decoder once.
    const verdictKey = `${request.direction}:${cls}`;
    const verdict = direction ? this.directionWorks.get(verdictKey) : false;
    const mode: 'probe' | 'film' | 'neutral' = verdict === undefined ? 'probe' : verdict ? 'film' : 'neutral';
    // Per slice: the target class's neutral logit, its change under the unit FiLM step (logits are
    // linear in the FiLM strength: class_logits_k = <w_k, F_k> + bias_k), and the best other class.
    const planes = request.slices.map(() => ({
      gate: new Float32Array(pixels),
      target: new Float32Array(pixels),
      slope: new Float32Array(pixels),
      other: new Float32Array(pixels),
      otherClass: new Uint8Array(pixels),
    }));
    let slopeSum = 0;
    let gateSum = 0;
    // Chunks bound the gate tensor (K planes per slice, twice: neutral and modulated).
    const chunkSize = 12;
    for (let start = 0; start < request.slices.length; start += chunkSize) {
      if (options.signal?.aborted) throw new SegmentationCancelledError();
      const b = Math.min(chunkSize, request.slices.length - start);
      for (let n = 0; n < b; n++) {
        const plane = request.gate.subarray((start + n) * layout.size, (start + n + 1) * layout.size);
        gatePlane(plane, pull, planes[start + n].gate);
      }
      const chunk = embeddings.slice(start, start + b);
      // probe: each slice twice (neutral, then one unit FiLM step), to learn whether the direction
      // works; film: once, modulated at full strength; neutral: once, logits shifted afterwards.
      const batch = mode === 'probe' ? [...chunk, ...chunk] : chunk;
      let inputs: InterventionInputs | undefined;
      if (direction && mode !== 'neutral') {
        const gates = new Float32Array(batch.length * K * pixels).fill(1);
        const scale = new Float32Array(batch.length * K * C8).fill(1);
        const shift = new Float32Array(batch.length * K * C8);
        const alpha = mode === 'probe' ? 1 : request.strength;
        for (let n = 0; n < b; n++) {
          const m = mode === 'probe' ? b + n : n;
          gates.set(planes[start + n].gate, (m * K + cls) * pixels);
          for (let c = 0; c < C8; c++) {
            scale[(m * K + cls) * C8 + c] = 1 + alpha * direction.scale[c];
            shift[(m * K + cls) * C8 + c] = alpha * direction.shift[c];
          }
        }
        inputs = { filmScale: scale, filmShift: shift, gate: gates };
      }
      const t = performance.now();
      const { classLogits } = await this.decoderOnly(batch, undefined, inputs);
      timings.decoderMs += performance.now() - t;
      for (let n = 0; n < b; n++) {
        const p = planes[start + n];
        const base = n * K * pixels;
        for (let q = 0; q < pixels; q++) {
          let best = -Infinity;
          let bestClass = 0;
          for (let c = 0; c < K; c++) {
            if (c === cls) continue;
            const v = classLogits[base + c * pixels + q];
            if (v > best) {
              best = v;
              bestClass = c;
            }
          }
          p.other[q] = best;
          p.otherClass[q] = bestClass;
          p.target[q] = classLogits[base + cls * pixels + q];
          if (mode === 'probe') {
            p.slope[q] = classLogits[(b + n) * K * pixels + cls * pixels + q] - p.target[q];
            slopeSum += sign * p.slope[q] * p.gate[q];
            gateSum += p.gate[q];
          }
        }
      }
    }
    if (mode === 'probe' && gateSum > 0) this.directionWorks.set(verdictKey, slopeSum > 0);
    const useFilm = mode === 'film' || (mode === 'probe' && gateSum > 0 && slopeSum > 0);
    const step = sign * LOGIT_STEP * request.strength;
    const labels = new Uint16Array(request.gate.length);
    const classMap = new Uint8Array(pixels);
    planes.forEach((p, n) => {
      for (let q = 0; q < pixels; q++) {
        const score =
          mode === 'film'
            ? p.target[q]
            : p.target[q] + (useFilm ? request.strength * p.slope[q] : step * p.gate[q]);
        // Ties go to the lower class index, as argmax does.
        classMap[q] =
          score > p.other[q] || (score === p.other[q] && cls < p.otherClass[q]) ? cls : p.otherClass[q];
      }
      const out = labels.subarray(n * layout.size, (n + 1) * layout.size);
      for (let v = 0; v < layout.size; v++) {
        const q = pull.pixelOfVoxel[v];
        out[v] = q < 0 ? 0 : this.classes.lut[classMap[q]];
      }
    });
    return {
      labels,
      method: useFilm ? 'film' : 'logits',
      model: this.modelRef,
      timingsMs: {
        encoderMs: Math.round(timings.encoderMs * 10) / 10,
        decoderMs: Math.round(timings.decoderMs * 10) / 10,
        totalMs: Math.round((performance.now() - t0) * 10) / 10,
        encodedSlices: timings.encodedSlices,
      },
    };
  }

  private readonly intensityMaps = new Map<string, IntensityMap>();
  /** Per "kind:class": whether the learned FiLM direction moved the logits the way asked. */
  private readonly directionWorks = new Map<string, boolean>();

  /** Drops what is kept for a closed study (or everything). */
  forget(volumeKey?: string): void {
    this.cache.clear(volumeKey);
    if (volumeKey === undefined) this.intensityMaps.clear();
    else this.intensityMaps.delete(volumeKey);
  }

  /** A percentile normalisation sorts the whole volume: once per study, not once per command. */
  private intensityMapOf(volume: Volume, volumeKey: string): IntensityMap {
    let map = this.intensityMaps.get(volumeKey);
    if (!map) {
      map = intensityMap(volume, this.manifest);
      this.intensityMaps.set(volumeKey, map);
      while (this.intensityMaps.size > 4) this.intensityMaps.delete(this.intensityMaps.keys().next().value!);
    }
    return map;
  }

  private emptySegmentation(volume: Volume, maxValue: number): Segmentation {
    const n = voxelCount(volume.dims);
    return {
      dims: [...volume.dims],
      spacingMm: [...volume.spacingMm],
      originLps: [...volume.originLps],
      axesLps: [[...volume.axesLps[0]], [...volume.axesLps[1]], [...volume.axesLps[2]]],
      layers: [maxValue > 255 ? new Uint16Array(n) : new Uint8Array(n)],
      segments: [],
    };
  }

  /** Automatic multi-organ segmentation of the whole volume, on the study's grid. */
  async segmentVolume(volume: Volume, options: RunOptions): Promise<SegmentResult> {
    const t0 = performance.now();
    const { frame, estimate, warnings } = this.plan(volume, options.maxMemoryBytes);
    const timings = emptyTimings(frame.slices);
    let t = performance.now();
    const map = intensityMap(volume, this.manifest);
    timings.preprocessMs += performance.now() - t;
    const segmentation = this.emptySegmentation(volume, this.classes.maxValue);
    const layer = segmentation.layers[0];
    const lookups = { col: nearestPixels(frame.col, this.S), row: nearestPixels(frame.row, this.S) };
    const pixels = this.S * this.S;
    const classMap = new Uint8Array(pixels);
    const batches: number[][] = [];
    for (let start = 0; start < frame.slices; start += this.batch) {
      batches.push(Array.from({ length: Math.min(this.batch, frame.slices - start) }, (_, n) => start + n));
    }
    const encode = (slices: number[]) =>
      this.embed(volume, frame, map, slices, { ...options, onProgress: undefined }, timings);
    // Pipelined: the encoder works on the next batch while the decoder and the write-back handle
    // this one (separate sessions, separate threads), so a second core is not left idle.
    let next: Promise<Float32Array[]> | null = encode(batches[0]);
    let done = 0;
    try {
      for (let n = 0; n < batches.length; n++) {
        const embeddings: Float32Array[] = await next!;
        next = null;
        if (options.signal?.aborted) throw new SegmentationCancelledError();
        if (n + 1 < batches.length) next = encode(batches[n + 1]);
        t = performance.now();
        const { classLogits } = await this.decoderOnly(embeddings);
        timings.decoderMs += performance.now() - t;
        t = performance.now();
        batches[n].forEach((k, b) => {
          argmaxClasses(classLogits, b, this.K, pixels, classMap);
          writeSliceBack(frame, volume.dims, k, classMap, this.classes.lut, layer, lookups);
        });
        timings.postprocessMs += performance.now() - t;
        done += batches[n].length;
        options.onProgress?.(done / frame.slices, `segmenting slice ${done} of ${frame.slices}`);
      }
    } finally {
      // After a failure the encoder batch in flight may still settle: never as an unhandled rejection.
      next?.catch(() => undefined);
    }
    t = performance.now();
    const present = new Set<number>();
    for (let n = 0; n < layer.length; n++) if (layer[n]) present.add(layer[n]);
    segmentation.segments = this.classes.segments.filter((s) => present.has(s.value)).map((s) => ({ ...s }));
    timings.postprocessMs += performance.now() - t;
    return this.result(segmentation, timings, t0, estimate, warnings);
  }

  /**
   * A prompt on slice k → one segment on that slice; with `propagate`, each neighbouring slice is
   * prompted with the box around the mask of the slice before it, outwards both ways, until the mask
   * vanishes.
   */
  async promptSlice(
    volume: Volume,
    k: number,
    prompt: Prompt,
    options: PromptOptions & { propagate?: boolean },
  ): Promise<SegmentResult> {
    const t0 = performance.now();
    const { frame, estimate, warnings } = this.plan(volume, options.maxMemoryBytes);
    checkSlice(k, frame.slices);
    const timings = emptyTimings(0);
    let t = performance.now();
    const map = intensityMap(volume, this.manifest);
    timings.preprocessMs += performance.now() - t;
    const segmentation = this.emptySegmentation(volume, options.value);
    const layer = segmentation.layers[0];
    const lookups = { col: nearestPixels(frame.col, this.S), row: nearestPixels(frame.row, this.S) };
    const pixels = this.S * this.S;
    const lut = Uint16Array.of(0, options.value);
    const runOne = async (slice: number, encoded: EncodedPrompt): Promise<Uint8Array> => {
      const [embedding] = await this.embed(volume, frame, map, [slice], options, timings);
      t = performance.now();
      const { promptLogits } = await this.decoderOnly([embedding], [encoded]);
      timings.decoderMs += performance.now() - t;
      t = performance.now();
      const mask = promptMask(promptLogits, 0, pixels);
      timings.postprocessMs += performance.now() - t;
      timings.slices++;
      return mask;
    };
    const write = (slice: number, mask: Uint8Array) => {
      t = performance.now();
      writeSliceBack(frame, volume.dims, slice, mask, lut, layer, lookups);
      timings.postprocessMs += performance.now() - t;
    };
    const first = await runOne(k, encodePrompt(frame, prompt));
    write(k, first);
    if (options.propagate) {
      const firstBox = maskBox(first, this.S);
      const image = new Float32Array(pixels);
      const profile = intensityProfile(preprocessSlice(volume, frame, map, k, image), first);
      for (const direction of [1, -1]) {
        let box = firstBox;
        for (let slice = k + direction; box && slice >= 0 && slice < frame.slices; slice += direction) {
          if (options.signal?.aborted) throw new SegmentationCancelledError();
          const mask = await runOne(slice, boxInModel(box.x0, box.y0, box.x1, box.y1));
          const next = maskBox(mask, this.S);
          // A mask that collapses to a few pixels is the structure ending, not a smaller slice of it;
          // so is one that no longer covers tissue like the prompted slice's.
          const fits =
            profile !== null &&
            profileFit(profile, preprocessSlice(volume, frame, map, slice, image), mask) >= 0.5;
          box = next && next.area >= 4 && fits ? next : null;
          if (box) write(slice, mask);
          options.onProgress?.(timings.slices / frame.slices, `propagating: slice ${slice}`);
        }
      }
    }
    let voxels = 0;
    for (let n = 0; n < layer.length; n++) if (layer[n]) voxels++;
    if (voxels > 0) {
      segmentation.segments = [
        { value: options.value, layer: 0, name: options.name ?? 'lesion', colorRgb: options.colorRgb },
      ];
    }
    return this.result(segmentation, timings, t0, estimate, warnings);
  }

  private result(
    segmentation: Segmentation,
    timings: SegmentTimings,
    t0: number,
    memoryEstimate: MemoryEstimate,
    warnings: string[],
  ): SegmentResult {
    timings.totalMs = performance.now() - t0;
    roundTimings(timings);
    return {
      segmentation,
      timingsMs: timings,
      provider: this.provider,
      model: this.modelRef,
      memoryEstimate,
      warnings,
    };
  }

  /** Bytes one slice's embeddings take in the cache. */
  get embeddingBytes(): number {
    return tensorBytes(this.manifest.encoder.outputs[0].shape, 1);
  }
}

function checkSlice(k: number, slices: number): void {
  if (!Number.isInteger(k) || k < 0 || k >= slices)
    throw new SegmentationRefusedError(`slice ${k} is outside the volume (0 to ${slices - 1})`);
}

function emptyTimings(slices: number): SegmentTimings {
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

function roundTimings(t: SegmentTimings): void {
  for (const key of ['preprocessMs', 'encoderMs', 'decoderMs', 'postprocessMs', 'totalMs'] as const) {
    t[key] = Math.round(t[key] * 10) / 10;
  }
}
