// The segmentation area's public surface: models found and verified, automatic and promptable
// segmentation in a worker thread with progress and cancellation, and volume reports.
import { freemem } from 'node:os';
import { TaskRegistry } from '../../../shared/tasks';
import type { Volume } from '../../../shared/volume';
import { listModels } from '../models/index';
import {
  chooseProvider,
  type EngineOptions,
  type InterventionDecode,
  type InterventionDecodeResult,
  type SegmentResult,
} from './engine';
import { classTable } from './labels';
import { chooseSliceAxis } from './preprocess';
import { SegmentationRefusedError } from './errors';
import type { JobResult, ModelRef, SegmentJob } from './jobs';
import type { Prompt } from './prompt';
import { SegmentationWorker } from './segmentInWorker';
import { addUserModel, pickModel, promptSegmentIdentity, type ModelEntry } from './models';

export { SegmentationEngine, chooseProvider, listedProviders } from './engine';
export type {
  SegmentResult,
  SegmentTimings,
  EngineOptions,
  InterventionInputs,
  InterventionDecode,
  InterventionDecodeResult,
} from './engine';
export { SegmentationCancelledError, SegmentationRefusedError } from './errors';
export { buildVolumeReport, structureVolumes } from './report';
export type { VolumeReport, StructureVolume } from './report';
export { saveVolumeReport } from './saveReport';
export type { ReportPaths } from './saveReport';
export type { Prompt, PlanePoint } from './prompt';
export { SegmentationWorker } from './segmentInWorker';
export { DEFAULT_MODEL_ID, addUserModel, modelsDirs, pickModel, promptSegmentIdentity } from './models';
export type { ModelEntry } from './models';

/** 80 % of the memory free now: the default ceiling for a run's estimate. */
export const defaultMemoryLimit = (): number => Math.floor(0.8 * freemem());

/**
 * The study as the user says it is (an MR whose file names no modality, for instance); cached
 * embeddings are kept apart per modality, since the normalisation differs.
 */
function withModality(volume: Volume, volumeKey: string, modality?: string): [Volume, string] {
  if (!modality || modality.toUpperCase() === volume.modality.toUpperCase()) return [volume, volumeKey];
  return [{ ...volume, modality: modality.toUpperCase() }, `${volumeKey}:${modality.toUpperCase()}`];
}

export interface RunControl {
  signal?: AbortSignal;
  onProgress?: (fraction: number, label: string) => void;
}

/** How a run is asked for: which model, under which task name, the study's modality, a memory ceiling. */
export type JobOptions = RunControl & {
  modelId?: string;
  task?: string;
  modality?: string;
  maxMemoryBytes?: number;
};

/** Models, the worker and the running tasks for one app (or one CLI run). */
export class SegmentationService {
  readonly worker: SegmentationWorker;

  /** `tasks`: the app's registry, where 'tasks.cancel' stops a run by its task name. */
  constructor(
    private readonly dirs: string[],
    private readonly dataDir: string,
    engineOptions: EngineOptions = {},
    private readonly tasks: TaskRegistry = new TaskRegistry(),
  ) {
    this.worker = new SegmentationWorker(engineOptions);
  }

  async list(): Promise<ModelEntry[]> {
    const provider = chooseProvider();
    return (await listModels(this.dirs)).map((m) => ({ ...m, provider }));
  }

  add(path: string): Promise<ModelRef> {
    return addUserModel(path, this.dataDir);
  }

  async model(id?: string): Promise<ModelRef> {
    return pickModel(await listModels(this.dirs), id);
  }

  /** A job in the worker under a task name, with the memory ceiling defaulted to what is free now. */
  private runJob<J extends SegmentJob>(
    name: string,
    volume: Volume,
    job: J,
    control: RunControl,
  ): Promise<JobResult<J>> {
    const withCeiling = { ...job, maxMemoryBytes: job.maxMemoryBytes ?? defaultMemoryLimit() };
    return this.tasks.run(
      name,
      (signal) => this.worker.run(withCeiling, volume, { signal, onProgress: control.onProgress }),
      control.signal,
    );
  }

  async segment(volume: Volume, volumeKey: string, options: JobOptions = {}): Promise<SegmentResult> {
    const model = await this.model(options.modelId);
    [volume, volumeKey] = withModality(volume, volumeKey, options.modality);
    return this.runJob(
      options.task ?? `segment:${volumeKey}`,
      volume,
      { kind: 'segment', model, volumeKey, maxMemoryBytes: options.maxMemoryBytes },
      options,
    );
  }

  async prompt(
    volume: Volume,
    volumeKey: string,
    slice: number,
    prompt: Prompt,
    options: JobOptions & { propagate?: boolean; name?: string } = {},
  ): Promise<SegmentResult> {
    const model = await this.model(options.modelId);
    [volume, volumeKey] = withModality(volume, volumeKey, options.modality);
    const supported = model.manifest.prompt.supported;
    const needs = prompt.kind === 'box' ? 'box' : 'point';
    if (!supported.includes(needs)) {
      throw new SegmentationRefusedError(
        `model "${model.manifest.id}" does not take ${needs} prompts (it takes ${supported.join(', ')})`,
      );
    }
    return this.runJob(
      options.task ?? `prompt:${volumeKey}`,
      volume,
      {
        kind: 'prompt',
        model,
        volumeKey,
        slice,
        prompt,
        propagate: options.propagate ?? false,
        ...promptSegmentIdentity(options.name),
        maxMemoryBytes: options.maxMemoryBytes,
      },
      options,
    );
  }

  /** Label values (catalogue ids) of the model's classes, background excluded. */
  async classValues(modelId?: string): Promise<Set<number>> {
    const model = await this.model(modelId);
    return new Set(Array.from(classTable(model.manifest).lut).filter((v) => v > 0));
  }

  /**
   * The decoder re-run on some slices with one class modulated inside a gate (Test-Time Causal
   * Intervention), from the cached embeddings of the study (the encoder runs only on slices not
   * cached yet).
   */
  async decodeIntervention(
    volume: Volume,
    volumeKey: string,
    request: InterventionDecode,
    options: JobOptions = {},
  ): Promise<InterventionDecodeResult> {
    const model = await this.model(options.modelId);
    [volume, volumeKey] = withModality(volume, volumeKey, options.modality);
    return this.runJob(
      options.task ?? `intervene:${volumeKey}`,
      volume,
      { kind: 'decode', model, volumeKey, maxMemoryBytes: options.maxMemoryBytes, ...request },
      options,
    );
  }

  /**
   * The model as an intervention executor needs it — its classes and its decoder on this study —
   * or null when no model is installed (a model asked for by id must exist).
   */
  async decoderFor(
    volume: Volume,
    volumeKey: string,
    options: { modelId?: string; modality?: string } = {},
  ): Promise<{
    classValues: Set<number>;
    sliceAxis: number;
    decode: (request: InterventionDecode) => Promise<InterventionDecodeResult>;
    /** The study's grey values (the segmentation's grid): the image chooses an unnamed strength. */
    image: Volume['voxels'];
  } | null> {
    let classValues: Set<number>;
    let sliceAxis: number;
    try {
      classValues = await this.classValues(options.modelId);
      // The volume index the model slices this study along (a slab's acquisition plane): gates
      // are packed along it.
      sliceAxis = chooseSliceAxis(volume);
    } catch (error) {
      if (error instanceof SegmentationRefusedError && !options.modelId) return null;
      throw error;
    }
    return {
      classValues,
      sliceAxis,
      decode: (request) => this.decodeIntervention(volume, volumeKey, request, options),
      image: volume.voxels,
    };
  }

  forget(volumeKey: string): void {
    this.worker.forget(volumeKey);
  }

  close(): Promise<void> {
    return this.worker.terminate();
  }
}
