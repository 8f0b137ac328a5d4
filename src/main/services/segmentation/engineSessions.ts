// The ONNX Runtime sessions of one verified model: their creation (the best provider, falling back
// to the CPU when an accelerator's driver is missing), the encoder over slices not cached yet, and
// the decoder alone on cached embeddings, with or without prompts and intervention inputs.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../../shared/modelManifest';
import type { Volume } from '../../../shared/volume';
import { EmbeddingCache } from './cache';
import { chooseProvider } from './engineProviders';
import type { EngineOptions, InterventionInputs, RunOptions, SegmentTimings } from './engineTypes';
import { SegmentationCancelledError } from './errors';
import { preprocessSlice, type IntensityMap, type SliceFrame } from './preprocess';
import type { EncodedPrompt } from './prompt';

type FilmInput = 'film_scale' | 'film_shift' | 'gate';

export class ModelSessions {
  readonly cache: EmbeddingCache;
  readonly batch: number;
  /** Model input size (pixels per side), class count, FiLM feature width. */
  readonly S: number;
  readonly K: number;
  readonly C8: number;
  private readonly embShape: number[];
  private readonly neutral = new Map<number, Record<FilmInput, ort.Tensor>>();

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
  ): Promise<ModelSessions> {
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
    return new ModelSessions(manifest, ...sessions, provider, threads, options);
  }

  async release(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
    await this.promptDecoder?.release();
    this.cache.clear();
  }

  /** Whether the decoder takes the FiLM and gate inputs (a plain SAM-style decoder does not). */
  get hasFilmInputs(): boolean {
    return ['film_scale', 'film_shift', 'gate'].every((name) => this.decoder.inputNames.includes(name));
  }

  private neutralInputs(b: number): Record<FilmInput, ort.Tensor> {
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
}
