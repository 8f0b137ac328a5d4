// Implements the contract on top of the services. Both shells call `dispatch`; it validates every
// request before a service sees it and turns every failure into an envelope the UI can show.
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import {
  requestSchemas,
  type ApiErrorData,
  type AppInfo,
  type Envelope,
  type Events,
  type Method,
  type OpenResult,
  type Responses,
} from '../shared/api';
import { describeError } from '../shared/serviceError';
import { TaskRegistry } from '../shared/tasks';
import {
  BadInputError,
  SeriesRegistry,
  openFiles,
  openPaths,
  segmentationAloneMessage,
  segmentationsWithoutTheirSeries,
  readSegmentation,
  writeSegmentation,
  type LoadResult,
} from './services/imaging/index';
import { RecentStudies, SessionStore, listDirectory } from './services/workspace/index';
import {
  SegmentationService,
  saveVolumeReport,
  chooseProvider,
  modelsDirs,
  type SegmentResult,
} from './services/segmentation/index';
import {
  InterventionAuditLog,
  type AuditStudy,
  InterventionInterpreter,
  InterventionService,
  installedLlmManifest,
} from './services/intervention/index';
import { chooseEngine, engineStatus, listEngines, transcribeResult } from './services/speech/index';
// Production entry only: `?nodeWorker` is an electron-vite import (see the module), so the speech
// index (which tests import under vitest) cannot re-export it.
// eslint-disable-next-line no-restricted-imports
import { buildModelInWorker } from './services/speech/lm/modelInWorker';
import { appRoot } from './appPaths';
import { PacsService, type SecretStore } from './services/pacs/index';

export interface ApiContext {
  shell: AppInfo['shell'];
  version: string;
  dataDir: string;
  resourcesDir: string;
  /** Opened by the renderer when it starts (npm start passes the sample study). */
  startupPaths: string[];
  emit<E extends keyof Events>(event: E, payload: Events[E]): void;
  /** Where PACS passwords and tokens are kept: the OS keychain in Electron; a 0600 file by default. */
  secretStore?: SecretStore;
}

type Handlers = { [M in Method]: (request: z.output<(typeof requestSchemas)[M]>) => Promise<Responses[M]> };

export interface Api {
  dispatch(method: string, request: unknown): Promise<Envelope>;
  handlers: Handlers;
}

export function createApi(context: ApiContext): Api {
  const registry = new SeriesRegistry();
  const recent = new RecentStudies(context.dataDir);
  const sessions = new SessionStore(context.dataDir);
  const sampleDir = join(context.resourcesDir, 'sample');
  const pacs = new PacsService(context.dataDir, context.secretStore);
  const modelFolders = modelsDirs(appRoot, context.dataDir);
  // One registry of long tasks: 'tasks.cancel' stops any of them by name.
  const tasks = new TaskRegistry();
  const segmentation = new SegmentationService(modelFolders, context.dataDir, {}, tasks);
  // The first installed LLM (models/llm/<id>/manifest.json) interprets commands; none: the built-in rules.
  const interpreter = installedLlmManifest(modelFolders).then(
    (llmManifestPath) => new InterventionInterpreter({ llmManifestPath }),
  );
  const interventions = new InterventionService(interpreter, new InterventionAuditLog(context.dataDir));
  const speechEngines = listEngines({
    modelsDirs: modelFolders,
    languageModelDir: join(context.resourcesDir, 'speech'),
    // A model for the structures on screen is counted in a worker thread, off the main thread.
    pocketsphinx: { buildModel: buildModelInWorker },
  });
  const segmentationResult = (task: string, r: SegmentResult) => ({
    segmentation: r.segmentation,
    model: r.model,
    provider: r.provider,
    timingsMs: { ...r.timingsMs },
    warnings: r.warnings,
    ...(r.ood ? { ood: r.ood } : {}),
    task,
  });

  const registerLoaded = (loaded: LoadResult): OpenResult => ({
    series: loaded.series.map((s) => registry.add(s)),
    // A SEG opened without its images is said what it is, not silently dropped.
    errors: [
      ...loaded.errors,
      ...segmentationsWithoutTheirSeries(loaded).map((s) => ({
        file: s.path,
        message: segmentationAloneMessage(s),
      })),
    ],
  });
  const progress = (task: string) => (fraction: number, label: string) =>
    context.emit('progress', { task, label, fraction });
  /**
   * Runs a task and then says it is over (fraction 1), whatever its last progress line was: a
   * propagation that stops early must not leave "propagating: slice 79" on screen.
   */
  const finished = async <T>(task: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } finally {
      context.emit('progress', { task, label: 'done', fraction: 1 });
    }
  };
  /** An audit line names the study as it stays across openings: its file and its DICOM UIDs. */
  const auditStudy = (seriesId: string): AuditStudy => {
    const { path, dicom } = registry.get(seriesId);
    return {
      path,
      ...(dicom
        ? { studyInstanceUid: dicom.studyInstanceUid, seriesInstanceUid: dicom.seriesInstanceUid }
        : {}),
    };
  };

  const handlers: Handlers = {
    'app.info': async () => ({
      version: context.version,
      shell: context.shell,
      sampleStudy: {
        image: join(sampleDir, 'example_ct.nii.gz'),
        labels: join(sampleDir, 'example_ct_labels.nii.gz'),
        notice: join(sampleDir, 'NOTICE.md'),
      },
      dataDir: context.dataDir,
      startupPaths: context.startupPaths,
    }),
    'studies.open': async ({ paths: typed, task = 'open' }) => {
      // Absolute paths: a study is the same study (Recent, autosave, audit) however it was typed.
      const paths = typed.map((p) => resolve(p));
      const loaded = await tasks.run(task, (signal) =>
        openPaths(paths, { onProgress: progress(task), signal }),
      );
      const opened = registerLoaded(loaded);
      if (opened.series.length > 0) await recent.remember(paths);
      return opened;
    },
    'studies.openFiles': async ({ files, task = 'open' }) =>
      registerLoaded(
        await tasks.run(task, (signal) =>
          openFiles(
            files.map((f) => ({ path: f.name, bytes: f.bytes })),
            { onProgress: progress(task), signal },
          ),
        ),
      ),
    'studies.recent': async () => ({ items: await recent.list() }),
    'tasks.cancel': async ({ task }) => ({ cancelled: tasks.cancel(task) }),
    'files.list': async ({ path }) => listDirectory(path),
    'series.volume': async ({ seriesId }) => (await registry.whole(seriesId)).volume,
    'series.slices': async ({ seriesId, first, count }) => registry.slices(seriesId, first, count),
    'series.valueRange': async ({ seriesId }) => ({ valueRange: await registry.valueRange(seriesId) }),
    'series.close': async ({ seriesId }) => {
      segmentation.forget(seriesId);
      return { closed: registry.remove(seriesId) };
    },
    'segmentation.load': async ({ seriesId, paths }) =>
      readSegmentation(paths, await registry.whole(seriesId)),
    'segmentation.save': async ({ seriesId, path, format, segmentation, algorithm, overwrite }) =>
      writeSegmentation(path, format, segmentation, await registry.whole(seriesId), {
        algorithm,
        overwrite,
      }),
    // Segmentation: models (verified before use), automatic and promptable runs in a worker thread.
    'models.list': async () => ({ models: await segmentation.list() }),
    'models.add': async ({ path }) => {
      const { dir, manifest } = await segmentation.add(path);
      return { id: manifest.id, dir, status: 'verified', manifest, provider: chooseProvider() };
    },
    'segmentation.run': async ({ seriesId, modelId, task, modality }) => {
      const name = task ?? `segment:${seriesId}`;
      const { volume } = await registry.whole(seriesId);
      return segmentationResult(
        name,
        await finished(name, () =>
          segmentation.segment(volume, seriesId, {
            modelId,
            task: name,
            modality,
            onProgress: progress(name),
          }),
        ),
      );
    },
    'segmentation.prompt': async ({
      seriesId,
      slice,
      box,
      points,
      propagate,
      name,
      modelId,
      task,
      modality,
    }) => {
      const taskName = task ?? `prompt:${seriesId}`;
      const { volume } = await registry.whole(seriesId);
      const prompt = box
        ? ({ kind: 'box', from: box[0], to: box[1] } as const)
        : ({ kind: 'points', points: points! } as const);
      return segmentationResult(
        taskName,
        await finished(taskName, () =>
          segmentation.prompt(volume, seriesId, slice, prompt, {
            modelId,
            task: taskName,
            propagate,
            name,
            modality,
            onProgress: progress(taskName),
          }),
        ),
      );
    },
    'segmentation.report': async ({ seriesId, segmentation: labels, modelId, csvPath, jsonPath }) => {
      registry.get(seriesId); // the series must still be open: the report describes its segmentation
      const model = modelId ? (await segmentation.model(modelId)).manifest : null;
      return saveVolumeReport(labels, model && { id: model.id, version: model.version }, {
        csvPath,
        jsonPath,
      });
    },
    'session.save': async ({ key, segmentation, view, label }) => ({
      savedAt: (await sessions.save(key, segmentation, view, new Date(), label)).savedAt,
    }),
    'session.restore': ({ key }) => sessions.restore(key),
    'session.discard': async ({ key }) => ({ discarded: await sessions.discard(key) }),
    // Test-Time Causal Intervention: interpret a command, apply it through the decoder, audit it.
    'intervention.status': async () => {
      const status = await (await interpreter).status();
      const llmAnswers = status.llm !== 'none' && status.llm !== 'unavailable';
      return { active: llmAnswers ? 'llm' : 'built-in', ...status };
    },
    'intervention.interpret': ({ command, context: view }) => interventions.interpret(command, view),
    'intervention.apply': async ({
      seriesId,
      segmentation: labels,
      intervention,
      command,
      interpreter: interpretedBy,
      modelId,
      modality,
    }) => {
      const { volume, path } = await registry.whole(seriesId);
      if (labels.dims.some((d, a) => d !== volume.dims[a])) {
        throw new BadInputError(
          path,
          `the segmentation (${labels.dims.join(' × ')}) is not on this series' grid (${volume.dims.join(' × ')})`,
        );
      }
      const decoder = await segmentation.decoderFor(volume, seriesId, { modelId, modality });
      return interventions.apply(
        seriesId,
        labels,
        { command, interpreter: interpretedBy, intervention },
        decoder,
        auditStudy(seriesId),
      );
    },
    'intervention.record': async ({ seriesId, event, summary }) => {
      await interventions.record(seriesId, event, summary, auditStudy(seriesId));
      return { recorded: true };
    },
    'speech.engines': async () => ({
      engines: (await engineStatus(speechEngines)).map(({ id, description, availability }) => ({
        id,
        description,
        available: availability.ok,
        ...(availability.ok ? {} : { install: availability.install }),
      })),
    }),
    'speech.transcribe': async ({ pcm, engine, structures, context }) => {
      const chosen = await chooseEngine(speechEngines, engine);
      const transcript = await chosen.transcribe(pcm, { name: 'push-to-talk audio', structures });
      return transcribeResult(transcript, context);
    },
    'pacs.nodes': () => pacs.settings.list(),
    'pacs.saveNode': ({ node, secret }) => pacs.settings.save(node, secret),
    'pacs.deleteNode': ({ name }) => pacs.settings.remove(name),
    'pacs.setLocal': ({ localAet, localPort }) => pacs.settings.setLocal(localAet, localPort),
    'pacs.echo': ({ node }) => pacs.echo(node),
    'pacs.findStudies': async ({ node, query }) => ({ studies: await pacs.findStudies(node, query) }),
    'pacs.findSeries': async ({ node, studyUid }) => ({ series: await pacs.findSeries(node, studyUid) }),
    'pacs.retrieve': async ({ node, studyUid, seriesUid, task }) => {
      const name = task ?? `pacs-retrieve:${seriesUid}`;
      const onProgress = progress(name);
      const { files: _files, ...stats } = await tasks.run(name, (signal) =>
        pacs.retrieve(node, studyUid, seriesUid, { signal, onProgress }),
      );
      // The cached folder opens like any local study, so a reopen works offline.
      const opened = registerLoaded(await openPaths([stats.folder], { onProgress }));
      if (opened.series.length > 0) await recent.remember([stats.folder]);
      return { ...opened, stats };
    },
    'pacs.store': async ({ node, seriesId, segmentation, report, algorithm }) =>
      pacs.sendSegmentation({
        node,
        source: await registry.whole(seriesId),
        segmentation,
        report,
        algorithm,
        softwareVersion: context.version,
        writeSeg: writeSegmentation,
      }),
  };

  return {
    handlers,
    async dispatch(method, request) {
      if (!Object.hasOwn(requestSchemas, method)) {
        return failure({ code: 'bad-request', message: `unknown request "${method}"` });
      }
      const parsed = requestSchemas[method as Method].safeParse(request ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return failure({
          code: 'bad-request',
          message: `${method}: ${issue.path.join('.') || 'request'}: ${issue.message}`,
        });
      }
      try {
        const handler = handlers[method as Method] as (request: unknown) => Promise<unknown>;
        return { ok: true, result: await handler(parsed.data) };
      } catch (error) {
        return failure(describeError(error));
      }
    },
  };
}

const failure = (error: ApiErrorData): Envelope => ({ ok: false, error });
