// The two segmentation runs on a model's sessions: the whole volume (every slice, the encoder
// pipelined with the decoder) and a prompt on one slice, optionally propagated through its
// neighbours. Both read the study's normalisation from the per-study cache.
import type { Segmentation, Volume } from '../../../shared/volume';
import { voxelCount } from '../../../shared/volume';
import {
  checkSlice,
  emptyTimings,
  roundTimings,
  type InterventionInputs,
  type PromptOptions,
  type RunOptions,
  type SegmentResult,
  type SegmentTimings,
} from './engineTypes';
import { SegmentationCancelledError } from './errors';
import { OodAccumulator, oodWarnings, type OodStats } from './ood';
import { argmaxClasses, promptMask, type ClassTable } from './labels';
import type { MemoryEstimate } from './memory';
import {
  nearestPixels,
  preprocessSlice,
  writeSliceBack,
  type IntensityMap,
  type SliceFrame,
} from './preprocess';
import { boxInModel, encodePrompt, maskBox, type EncodedPrompt, type Prompt } from './prompt';
import { outlineStepPixels, structureFit, tissueContrast, withinReach } from './propagation';

/** Width (model pixels) of the ring whose grey values stand for a prompted structure's surroundings. */
const RING_PIXELS = 3;

/** What the runs need of the engine (its decoderOnly may be replaced, as the tests do). */
export interface RunHost {
  readonly S: number;
  readonly K: number;
  readonly batch: number;
  readonly classes: ClassTable;
  readonly provider: string;
  readonly modelRef: { id: string; version: string };
  /** Out-of-distribution statistics of the model; null when it ships none. */
  readonly oodStats: OodStats | null;
  /** Channels of one embedding (its first dimension). */
  readonly embeddingChannels: number;
  plan(
    volume: Volume,
    maxMemoryBytes?: number,
  ): { frame: SliceFrame; estimate: MemoryEstimate; warnings: string[] };
  normalisation(volume: Volume, volumeKey: string): IntensityMap;
  embed(
    volume: Volume,
    frame: SliceFrame,
    map: IntensityMap,
    slices: number[],
    options: RunOptions,
    timings?: SegmentTimings,
  ): Promise<Float32Array[]>;
  decoderOnly(
    embeddings: Float32Array[],
    prompts?: (EncodedPrompt | null)[],
    intervention?: InterventionInputs,
  ): Promise<{ classLogits: Float32Array; promptLogits: Float32Array }>;
}

function emptySegmentation(volume: Volume, maxValue: number): Segmentation {
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

function result(
  host: RunHost,
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
    provider: host.provider,
    model: host.modelRef,
    memoryEstimate,
    warnings,
  };
}

/** Automatic multi-organ segmentation of the whole volume, on the study's grid. */
export async function segmentVolume(
  host: RunHost,
  volume: Volume,
  options: RunOptions,
): Promise<SegmentResult> {
  const t0 = performance.now();
  const { frame, estimate, warnings } = host.plan(volume, options.maxMemoryBytes);
  const timings = emptyTimings(frame.slices);
  let t = performance.now();
  const map = host.normalisation(volume, options.volumeKey);
  timings.preprocessMs += performance.now() - t;
  const segmentation = emptySegmentation(volume, host.classes.maxValue);
  const layer = segmentation.layers[0];
  const lookups = { col: nearestPixels(frame.col, host.S), row: nearestPixels(frame.row, host.S) };
  const pixels = host.S * host.S;
  const classMap = new Uint8Array(pixels);
  const ood = host.oodStats && new OodAccumulator(host.oodStats, host.K, host.embeddingChannels);
  const batches: number[][] = [];
  for (let start = 0; start < frame.slices; start += host.batch) {
    batches.push(Array.from({ length: Math.min(host.batch, frame.slices - start) }, (_, n) => start + n));
  }
  const encode = (slices: number[]) =>
    host.embed(volume, frame, map, slices, { ...options, onProgress: undefined }, timings);
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
      const { classLogits } = await host.decoderOnly(embeddings);
      timings.decoderMs += performance.now() - t;
      t = performance.now();
      batches[n].forEach((k, b) => {
        argmaxClasses(classLogits, b, host.K, pixels, classMap);
        ood?.addSlice(embeddings[b], classLogits, b, classMap);
        writeSliceBack(frame, volume.dims, k, classMap, host.classes.lut, layer, lookups);
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
  segmentation.segments = host.classes.segments.filter((s) => present.has(s.value)).map((s) => ({ ...s }));
  const oodReport = ood?.finish(host.classes.lut, segmentation.segments);
  timings.postprocessMs += performance.now() - t;
  const run = result(host, segmentation, timings, t0, estimate, [
    ...warnings,
    ...(oodReport ? oodWarnings(oodReport) : []),
  ]);
  return oodReport ? { ...run, ood: oodReport } : run;
}

/**
 * A prompt on slice k → one segment on that slice; with `propagate`, each neighbouring slice is
 * prompted with the box around the mask of the slice before it, outwards both ways. Its mask is
 * kept within reach of the one before (propagation.ts), and the run stops where the mask vanishes or
 * covers tissue more like the prompted structure's surroundings than the structure itself.
 */
export async function promptSlice(
  host: RunHost,
  volume: Volume,
  k: number,
  prompt: Prompt,
  options: PromptOptions & { propagate?: boolean },
): Promise<SegmentResult> {
  const t0 = performance.now();
  const { frame, estimate, warnings } = host.plan(volume, options.maxMemoryBytes);
  checkSlice(k, frame.slices);
  const timings = emptyTimings(0);
  let t = performance.now();
  const map = host.normalisation(volume, options.volumeKey);
  timings.preprocessMs += performance.now() - t;
  const segmentation = emptySegmentation(volume, options.value);
  const layer = segmentation.layers[0];
  const { S } = host;
  const lookups = { col: nearestPixels(frame.col, S), row: nearestPixels(frame.row, S) };
  const pixels = S * S;
  const lut = Uint16Array.of(0, options.value);
  const runOne = async (slice: number, encoded: EncodedPrompt): Promise<Uint8Array> => {
    const [embedding] = await host.embed(volume, frame, map, [slice], options, timings);
    t = performance.now();
    const { promptLogits } = await host.decoderOnly([embedding], [encoded]);
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
    const image = new Float32Array(pixels);
    const contrast = tissueContrast(preprocessSlice(volume, frame, map, k, image), first, S, RING_PIXELS);
    const pixelMm = (volume.spacingMm[frame.col.axis] * frame.col.size) / frame.col.resampled;
    const step = outlineStepPixels(volume.spacingMm[frame.sliceAxis], pixelMm);
    for (const direction of [1, -1]) {
      let previous = first;
      let box = maskBox(first, S);
      for (let slice = k + direction; box && slice >= 0 && slice < frame.slices; slice += direction) {
        if (options.signal?.aborted) throw new SegmentationCancelledError();
        const mask = withinReach(
          await runOne(slice, boxInModel(box.x0, box.y0, box.x1, box.y1)),
          previous,
          S,
          step,
        );
        const next = maskBox(mask, S);
        // A mask that collapses to a few pixels is the structure ending, not a smaller slice of it;
        // so is one that covers tissue more like the prompted structure's surroundings than itself.
        const fits =
          contrast !== null &&
          structureFit(contrast, preprocessSlice(volume, frame, map, slice, image), mask) >= 0.5;
        box = next && next.area >= 4 && fits ? next : null;
        if (box) {
          write(slice, mask);
          previous = mask;
        }
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
  return result(host, segmentation, timings, t0, estimate, warnings);
}
