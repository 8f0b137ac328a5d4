// The segmentation area's public surface: models found and verified, automatic and promptable
// segmentation in a worker thread with progress and cancellation, and volume reports.
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { structureByName, fallbackColor } from '../../../shared/anatomy';
import type { Volume } from '../../../shared/volume';
import { listModels, ModelRefusedError, verifyModel, type InstalledModel } from '../models/index';
import { chooseProvider, type EngineOptions, type SegmentResult } from './engine';
import { SegmentationRefusedError } from './errors';
import type { ModelRef } from './jobs';
import type { Prompt } from './prompt';
import { SegmentationWorker } from './segmentInWorker';
import { freemem } from 'node:os';

export { SegmentationEngine, chooseProvider, listedProviders } from './engine';
export type { SegmentResult, SegmentTimings, EngineOptions, InterventionInputs } from './engine';
export { SegmentationCancelledError, SegmentationRefusedError } from './errors';
export { buildVolumeReport, structureVolumes } from './report';
export type { VolumeReport, StructureVolume } from './report';
export type { Prompt, PlanePoint } from './prompt';
export { SegmentationWorker } from './segmentInWorker';

/** The model the app uses when none is named. */
export const DEFAULT_MODEL_ID = 'causal-sam-demo';

/** Where models are looked for: the shipped folder (or CAUSAL_SAM_MODELS_DIR), then the user's. */
export function modelsDirs(appRoot: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    env.CAUSAL_SAM_MODELS_DIR ? resolve(env.CAUSAL_SAM_MODELS_DIR) : join(appRoot, 'models'),
    join(dataDir, 'models'),
  ];
}

/** A listed model with the execution provider this machine would run it on. */
export type ModelEntry = InstalledModel & { provider: string };

/** Picks a verified model by id (default: the demo, else the first verified); refuses with the reason. */
export function pickModel(models: InstalledModel[], id?: string): ModelRef {
  const wanted = id ?? (models.some((m) => m.id === DEFAULT_MODEL_ID) ? DEFAULT_MODEL_ID : undefined);
  const model = wanted ? models.find((m) => m.id === wanted) : models.find((m) => m.status === 'verified');
  if (!model) {
    const known =
      models.map((m) => (m.status === 'refused' ? `${m.id} (refused: ${m.reason})` : m.id)).join(', ') ||
      'none';
    throw new SegmentationRefusedError(
      wanted
        ? `no model "${wanted}" is installed (installed: ${known})`
        : `no verified segmentation model is installed (found: ${known})`,
    );
  }
  if (model.status === 'refused')
    throw new SegmentationRefusedError(`model "${model.id}" is refused: ${model.reason}`);
  return { dir: model.dir, manifest: model.manifest };
}

/**
 * Verifies a user's model folder (schema and sha256) and copies it under `<dataDir>/models/<id>`;
 * a folder that fails is refused with the reason and nothing is copied.
 */
export async function addUserModel(path: string, dataDir: string): Promise<ModelRef> {
  const source = resolve(path);
  const manifest = await verifyModel(source);
  const target = join(dataDir, 'models', manifest.id);
  if (resolve(target) === source) return { dir: target, manifest };
  try {
    await stat(target);
    throw new ModelRefusedError(
      target,
      `a model with id "${manifest.id}" is already installed here; remove it first`,
    );
  } catch (error) {
    if (error instanceof ModelRefusedError) throw error;
  }
  await mkdir(join(dataDir, 'models'), { recursive: true });
  await cp(source, target, { recursive: true });
  try {
    // The copy is what will run: check it too (a full disk truncates silently).
    return { dir: target, manifest: await verifyModel(target) };
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
}

/** Catalogue value and colour for a prompted segment's name ('lesion' unless told). */
export function promptSegmentIdentity(name = 'lesion'): {
  name: string;
  value: number;
  colorRgb: [number, number, number];
} {
  const known = structureByName(name);
  if (known) return { name: known.name, value: known.id, colorRgb: [...known.colorRgb] };
  const lesion = structureByName('lesion')!;
  // A name the catalogue lacks keeps the user's words and the lesion's value.
  return { name, value: lesion.id, colorRgb: fallbackColor(lesion.id) };
}

/** 80 % of the memory free now: the default ceiling for a run's estimate. */
export const defaultMemoryLimit = (): number => Math.floor(0.8 * freemem());

export interface RunControl {
  signal?: AbortSignal;
  onProgress?: (fraction: number, label: string) => void;
}

/** Models, the worker and the running tasks for one app (or one CLI run). */
export class SegmentationService {
  readonly worker: SegmentationWorker;
  private readonly tasks = new Map<string, AbortController>();

  constructor(
    private readonly dirs: string[],
    private readonly dataDir: string,
    engineOptions: EngineOptions = {},
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

  /** Runs under a task name that `cancel` can stop; a second run under the same name cancels the first. */
  private async task<T>(
    task: string,
    control: RunControl,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.tasks.get(task)?.abort();
    const controller = new AbortController();
    this.tasks.set(task, controller);
    const onAbort = () => controller.abort();
    control.signal?.addEventListener('abort', onAbort);
    try {
      return await work(controller.signal);
    } finally {
      control.signal?.removeEventListener('abort', onAbort);
      if (this.tasks.get(task) === controller) this.tasks.delete(task);
    }
  }

  cancel(task: string): boolean {
    const controller = this.tasks.get(task);
    controller?.abort();
    return controller !== undefined;
  }

  async segment(
    volume: Volume,
    volumeKey: string,
    options: RunControl & { modelId?: string; task?: string; maxMemoryBytes?: number } = {},
  ): Promise<SegmentResult> {
    const model = await this.model(options.modelId);
    return this.task(options.task ?? `segment:${volumeKey}`, options, (signal) =>
      this.worker.run(
        { kind: 'segment', model, volumeKey, maxMemoryBytes: options.maxMemoryBytes ?? defaultMemoryLimit() },
        volume,
        { signal, onProgress: options.onProgress },
      ),
    );
  }

  async prompt(
    volume: Volume,
    volumeKey: string,
    slice: number,
    prompt: Prompt,
    options: RunControl & {
      modelId?: string;
      task?: string;
      propagate?: boolean;
      name?: string;
      maxMemoryBytes?: number;
    } = {},
  ): Promise<SegmentResult> {
    const model = await this.model(options.modelId);
    const supported = model.manifest.prompt.supported;
    const needs = prompt.kind === 'box' ? 'box' : 'point';
    if (!supported.includes(needs)) {
      throw new SegmentationRefusedError(
        `model "${model.manifest.id}" does not take ${needs} prompts (it takes ${supported.join(', ')})`,
      );
    }
    return this.task(options.task ?? `prompt:${volumeKey}`, options, (signal) =>
      this.worker.run(
        {
          kind: 'prompt',
          model,
          volumeKey,
          slice,
          prompt,
          propagate: options.propagate ?? false,
          ...promptSegmentIdentity(options.name),
          maxMemoryBytes: options.maxMemoryBytes ?? defaultMemoryLimit(),
        },
        volume,
        { signal, onProgress: options.onProgress },
      ),
    );
  }

  forget(volumeKey: string): void {
    this.worker.forget(volumeKey);
  }

  close(): Promise<void> {
    return this.worker.terminate();
  }
}
