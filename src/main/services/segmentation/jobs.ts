// Messages between the app and the segmentation worker (kept apart from the worker wrapper, whose
// `?nodeWorker` import only the bundler understands, so that tests can import the job runner).
import type { ModelManifest } from '../../../shared/modelManifest';
import type { Volume } from '../../../shared/volume';
import type { EngineOptions, InterventionDecode, InterventionDecodeResult, SegmentResult } from './engine';
import { SegmentationEngine } from './engine';
import { SegmentationCancelledError, SegmentationRefusedError } from './errors';
import type { Prompt } from './prompt';

export interface ModelRef {
  dir: string;
  manifest: ModelManifest;
}

export type SegmentJob =
  | { kind: 'segment'; model: ModelRef; volumeKey: string; maxMemoryBytes?: number }
  | {
      kind: 'prompt';
      model: ModelRef;
      volumeKey: string;
      slice: number;
      prompt: Prompt;
      propagate: boolean;
      name: string;
      value: number;
      colorRgb: [number, number, number];
      maxMemoryBytes?: number;
    }
  | ({ kind: 'decode'; model: ModelRef; volumeKey: string; maxMemoryBytes?: number } & InterventionDecode);

/** What each kind of job answers with. */
export type JobResult<J extends SegmentJob> = J extends { kind: 'decode' }
  ? InterventionDecodeResult
  : SegmentResult;

export type ToWorker =
  | { type: 'run'; id: number; job: SegmentJob; volume?: Volume; engine?: EngineOptions }
  | { type: 'cancel'; id: number }
  | { type: 'forget'; volumeKey: string };

export type FromWorker =
  | { type: 'progress'; id: number; fraction: number; label: string }
  | { type: 'result'; id: number; result: SegmentResult | InterventionDecodeResult }
  | { type: 'error'; id: number; kind: 'refused' | 'cancelled' | 'failed'; message: string };

/** Engines (sessions and embedding caches) and the studies the worker holds, across jobs. */
export class JobRunner {
  private readonly engines = new Map<string, Promise<SegmentationEngine>>();
  private readonly volumes = new Map<string, Volume>();
  private readonly running = new Map<number, AbortController>();

  constructor(private readonly post: (message: FromWorker, transfer?: ArrayBuffer[]) => void) {}

  engine(model: ModelRef, options?: EngineOptions): Promise<SegmentationEngine> {
    const key = `${model.dir}@${model.manifest.files.encoder.sha256}`;
    let engine = this.engines.get(key);
    if (!engine) {
      engine = SegmentationEngine.create(model.dir, model.manifest, options);
      this.engines.set(key, engine);
      engine.catch(() => this.engines.delete(key));
    }
    return engine;
  }

  handle(message: ToWorker): void {
    if (message.type === 'cancel') this.running.get(message.id)?.abort();
    else if (message.type === 'forget') {
      this.volumes.delete(message.volumeKey);
      for (const engine of this.engines.values()) void engine.then((e) => e.forget(message.volumeKey));
    } else void this.run(message);
  }

  private async run({
    id,
    job,
    volume,
    engine: engineOptions,
  }: Extract<ToWorker, { type: 'run' }>): Promise<void> {
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      if (volume) {
        // The worker keeps the last two studies: prompts on an open study need not resend it.
        this.volumes.delete(job.volumeKey);
        this.volumes.set(job.volumeKey, volume);
        while (this.volumes.size > 2) this.volumes.delete(this.volumes.keys().next().value!);
      }
      const study = this.volumes.get(job.volumeKey);
      if (!study) throw new Error(`the segmentation worker does not hold study ${job.volumeKey}`);
      const engine = await this.engine(job.model, engineOptions);
      const options = {
        volumeKey: job.volumeKey,
        signal: controller.signal,
        maxMemoryBytes: job.maxMemoryBytes,
        onProgress: (fraction: number, label: string) => this.post({ type: 'progress', id, fraction, label }),
      };
      if (job.kind === 'decode') {
        const result = await engine.decodeIntervention(study, job, options);
        this.post({ type: 'result', id, result }, [result.labels.buffer as ArrayBuffer]);
        return;
      }
      const result =
        job.kind === 'segment'
          ? await engine.segmentVolume(study, options)
          : await engine.promptSlice(study, job.slice, job.prompt, {
              ...options,
              propagate: job.propagate,
              name: job.name,
              value: job.value,
              colorRgb: job.colorRgb,
            });
      this.post(
        { type: 'result', id, result },
        result.segmentation.layers.map((l) => l.buffer as ArrayBuffer),
      );
    } catch (error) {
      const kind =
        error instanceof SegmentationCancelledError
          ? 'cancelled'
          : error instanceof SegmentationRefusedError
            ? 'refused'
            : 'failed';
      this.post({ type: 'error', id, kind, message: (error as Error).message });
    } finally {
      this.running.delete(id);
    }
  }
}
