// Implements the contract on top of the services. Both shells call `dispatch`; it validates every
// request before a service sees it and turns every failure into an envelope the UI can show.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
import {
  BadInputError,
  LoadCancelledError,
  SeriesRegistry,
  openFiles,
  openPaths,
  readSegmentation,
  writeSegmentation,
  type LoadResult,
} from './services/imaging/index';
import { RecentStudies, SessionStore, listDirectory } from './services/workspace/index';
import { ModelRefusedError } from './services/models/index';
import {
  SegmentationCancelledError,
  SegmentationRefusedError,
  SegmentationService,
  buildVolumeReport,
  chooseProvider,
  modelsDirs,
  type SegmentResult,
} from './services/segmentation/index';
import {
  InterventionAuditLog,
  InterventionError,
  appliedEntry,
  type AuditStudy,
  InterventionInterpreter,
  executeIntervention,
  installedLlmManifest,
} from './services/intervention/index';
import {
  SpeechCancelledError,
  SpeechUnavailableError,
  WavError,
  chooseEngine,
  engineStatus,
  listEngines,
  spokenToCommand,
} from './services/speech/index';
import { appRoot } from './appPaths';
import {
  PacsCancelledError,
  PacsError,
  PacsService,
  readDicomIdentity,
  readPart10Meta,
  writeVolumeReport,
  type SecretStore,
} from './services/pacs/index';

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
  const segmentation = new SegmentationService(modelFolders, context.dataDir);
  const audit = new InterventionAuditLog(context.dataDir);
  // The first installed LLM (models/llm/<id>/manifest.json) interprets commands; none: the built-in rules.
  const interpreter = installedLlmManifest(modelFolders).then(
    (llmManifestPath) => new InterventionInterpreter({ llmManifestPath }),
  );
  const speechEngines = listEngines({ modelsDirs: modelFolders });
  const segmentationResult = (task: string, r: SegmentResult) => ({
    segmentation: r.segmentation,
    model: r.model,
    provider: r.provider,
    timingsMs: { ...r.timingsMs },
    warnings: r.warnings,
    task,
  });

  const registerLoaded = (loaded: LoadResult): OpenResult => ({
    series: loaded.series.map((s) => registry.add(s)),
    errors: loaded.errors,
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
    'studies.open': async ({ paths: typed }) => {
      // Absolute paths: a study is the same study (Recent, autosave, audit) however it was typed.
      const paths = typed.map((p) => resolve(p));
      const opened = registerLoaded(await openPaths(paths, { onProgress: progress('open') }));
      if (opened.series.length > 0) await recent.remember(paths);
      return opened;
    },
    'studies.openFiles': async ({ files }) =>
      registerLoaded(
        await openFiles(
          files.map((f) => ({ path: f.name, bytes: f.bytes })),
          { onProgress: progress('open') },
        ),
      ),
    'studies.recent': async () => ({ items: await recent.list() }),
    'files.list': async ({ path }) => listDirectory(path),
    'series.volume': async ({ seriesId }) => registry.get(seriesId).volume,
    'series.close': async ({ seriesId }) => {
      segmentation.forget(seriesId);
      return { closed: registry.remove(seriesId) };
    },
    'segmentation.load': async ({ seriesId, paths }) => readSegmentation(paths, registry.get(seriesId)),
    'segmentation.save': async ({ seriesId, path, format, segmentation, algorithm, overwrite }) =>
      writeSegmentation(path, format, segmentation, registry.get(seriesId), { algorithm, overwrite }),
    // Segmentation: models (verified before use), automatic and promptable runs in a worker thread.
    'models.list': async () => ({ models: await segmentation.list() }),
    'models.add': async ({ path }) => {
      const { dir, manifest } = await segmentation.add(path);
      return { id: manifest.id, dir, status: 'verified', manifest, provider: chooseProvider() };
    },
    'segmentation.run': async ({ seriesId, modelId, task, modality }) => {
      const name = task ?? `segment:${seriesId}`;
      const { volume } = registry.get(seriesId);
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
      const { volume } = registry.get(seriesId);
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
    'segmentation.cancel': async ({ task }) => ({ cancelled: segmentation.cancel(task) }),
    'segmentation.report': async ({ seriesId, segmentation: labels, modelId, csvPath, jsonPath }) => {
      registry.get(seriesId); // the series must still be open: the report describes its segmentation
      const model = modelId ? (await segmentation.model(modelId)).manifest : null;
      const { csv, json } = buildVolumeReport(labels, model && { id: model.id, version: model.version });
      const saved = [];
      for (const [file, text] of [
        [csvPath, csv],
        [jsonPath, json],
      ] as const) {
        if (!file) continue;
        await writeFile(file, text);
        saved.push({ path: file, bytes: Buffer.byteLength(text) });
      }
      return { csv, json, saved };
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
    'intervention.interpret': async ({ command, context: view }) =>
      (await interpreter).interpret(command, view),
    'intervention.apply': async ({
      seriesId,
      segmentation: labels,
      intervention,
      command,
      interpreter: interpretedBy,
      modelId,
      modality,
    }) => {
      const { volume, path } = registry.get(seriesId);
      if (labels.dims.some((d, a) => d !== volume.dims[a])) {
        throw new BadInputError(
          path,
          `the segmentation (${labels.dims.join(' × ')}) is not on this series' grid (${volume.dims.join(' × ')})`,
        );
      }
      const decoder = await segmentation.decoderFor(volume, seriesId, { modelId, modality });
      const result = await executeIntervention(labels, intervention, decoder);
      await audit.append(
        appliedEntry(seriesId, command, interpretedBy, intervention, result, auditStudy(seriesId)),
      );
      return result;
    },
    'intervention.record': async ({ seriesId, event, summary }) => {
      await audit.append({
        time: new Date().toISOString(),
        event,
        seriesId,
        study: auditStudy(seriesId),
        summary,
      });
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
    'speech.transcribe': async ({ pcm, engine, structures }) => {
      const chosen = await chooseEngine(speechEngines, engine);
      const transcript = await chosen.transcribe(pcm, { name: 'push-to-talk audio', structures });
      return { ...transcript, command: spokenToCommand(transcript.text) };
    },
    'pacs.nodes': () => pacs.settings.list(),
    'pacs.saveNode': ({ node, secret }) => pacs.settings.save(node, secret),
    'pacs.deleteNode': ({ name }) => pacs.settings.remove(name),
    'pacs.setLocal': ({ localAet, localPort }) => pacs.settings.setLocal(localAet, localPort),
    'pacs.echo': ({ node }) => pacs.echo(node),
    'pacs.findStudies': async ({ node, query }) => ({ studies: await pacs.findStudies(node, query) }),
    'pacs.findSeries': async ({ node, studyUid }) => ({ series: await pacs.findSeries(node, studyUid) }),
    'pacs.retrieve': async ({ node, studyUid, seriesUid, task }) => {
      const onProgress = progress(task ?? `pacs-retrieve:${seriesUid}`);
      const { files: _files, ...stats } = await pacs.task(task, (signal) =>
        pacs.retrieve(node, studyUid, seriesUid, { signal, onProgress }),
      );
      // The cached folder opens like any local study, so a reopen works offline.
      const opened = registerLoaded(await openPaths([stats.folder], { onProgress }));
      if (opened.series.length > 0) await recent.remember([stats.folder]);
      return { ...opened, stats };
    },
    'pacs.cancel': async ({ task }) => ({ cancelled: pacs.cancel(task) }),
    'pacs.store': async ({ node, seriesId, segmentation, report, algorithm }) => {
      const source = registry.get(seriesId);
      if (!source.dicom)
        throw new BadInputError(source.path, 'is not a DICOM series: only a DICOM series can get a SEG');
      // The SEG is written to an outbox first and removed once the archive has it: a failed send
      // leaves it there to be sent again with `causal-sam pacs store`.
      const outbox = join(context.dataDir, 'pacs-outbox');
      await mkdir(outbox, { recursive: true });
      const path = join(outbox, `seg-${Date.now()}.dcm`);
      await writeSegmentation(path, 'dicom-seg', segmentation, source, { algorithm });
      const segBytes = new Uint8Array(await readFile(path));
      const identity = readDicomIdentity(segBytes);
      const files = [path];
      let reportSopInstanceUid: string | undefined;
      if (report) {
        const pdf = writeVolumeReport({
          segmentation,
          patientStudy: source.dicom.patientStudy,
          studyInstanceUid: source.dicom.studyInstanceUid,
          sourceSeriesDescription: source.description,
          sourceSeriesInstanceUid: source.dicom.seriesInstanceUid,
          seg: {
            sopClassUid: readPart10Meta(segBytes)!.sopClassUid,
            sopInstanceUid: identity.sopInstanceUid,
          },
          softwareVersion: context.version,
        });
        files.push(path.replace(/\.dcm$/, '-report.dcm'));
        await writeFile(files[1], pdf.bytes);
        reportSopInstanceUid = pdf.sopInstanceUid;
      }
      await pacs.store(node, files);
      await Promise.all(files.map((file) => rm(file, { force: true })));
      return {
        node,
        sopInstanceUid: identity.sopInstanceUid,
        seriesInstanceUid: identity.seriesInstanceUid,
        referencedSeriesUid: source.dicom.seriesInstanceUid,
        reportSopInstanceUid,
      };
    },
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

function describeError(error: unknown): ApiErrorData {
  if (error instanceof BadInputError) return { code: 'bad-input', message: error.message, file: error.file };
  if (error instanceof LoadCancelledError) return { code: 'cancelled', message: error.message };
  if (error instanceof PacsCancelledError) return { code: 'cancelled', message: error.message };
  if (error instanceof SegmentationCancelledError) return { code: 'cancelled', message: error.message };
  if (error instanceof SegmentationRefusedError) return { code: 'bad-input', message: error.message };
  if (error instanceof InterventionError) return { code: 'bad-input', message: error.message };
  if (error instanceof SpeechUnavailableError) return { code: 'not-found', message: error.message };
  if (error instanceof SpeechCancelledError) return { code: 'cancelled', message: error.message };
  if (error instanceof WavError) return { code: 'bad-input', message: error.message };
  if (error instanceof ModelRefusedError)
    return { code: 'bad-input', message: error.message, file: error.file };
  if (error instanceof PacsError)
    return { code: error.kind === 'not-found' ? 'not-found' : 'remote', message: error.message };
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EEXIST') {
    return { code: 'exists', message: `${e.path ?? 'file'}: already exists`, file: e.path };
  }
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') {
    return {
      code: 'not-found',
      message: `${e.path ?? 'file'}: ${e.code === 'EACCES' ? 'permission denied' : 'not found'}`,
      file: e.path,
    };
  }
  return { code: 'internal', message: e?.message ?? String(error) };
}
