// Implements the contract on top of the services. Both shells call `dispatch`; it validates every
// request before a service sees it and turns every failure into an envelope the UI can show.
import { join } from 'node:path';
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
import { RecentStudies, listDirectory } from './services/workspace/index';

export interface ApiContext {
  shell: AppInfo['shell'];
  version: string;
  dataDir: string;
  resourcesDir: string;
  /** Opened by the renderer when it starts (npm start passes the sample study). */
  startupPaths: string[];
  emit<E extends keyof Events>(event: E, payload: Events[E]): void;
}

type Handlers = { [M in Method]: (request: z.output<(typeof requestSchemas)[M]>) => Promise<Responses[M]> };

export interface Api {
  dispatch(method: string, request: unknown): Promise<Envelope>;
  handlers: Handlers;
}

export function createApi(context: ApiContext): Api {
  const registry = new SeriesRegistry();
  const recent = new RecentStudies(context.dataDir);
  const sampleDir = join(context.resourcesDir, 'sample');

  const registerLoaded = (loaded: LoadResult): OpenResult => ({
    series: loaded.series.map((s) => registry.add(s)),
    errors: loaded.errors,
  });
  const progress = (task: string) => (fraction: number, label: string) =>
    context.emit('progress', { task, label, fraction });

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
    'studies.open': async ({ paths }) => {
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
    'series.close': async ({ seriesId }) => ({ closed: registry.remove(seriesId) }),
    'segmentation.load': async ({ seriesId, paths }) => readSegmentation(paths, registry.get(seriesId)),
    'segmentation.save': async ({ seriesId, path, format, segmentation }) =>
      writeSegmentation(path, format, segmentation, registry.get(seriesId)),
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
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') {
    return {
      code: 'not-found',
      message: `${e.path ?? 'file'}: ${e.code === 'EACCES' ? 'permission denied' : 'not found'}`,
      file: e.path,
    };
  }
  return { code: 'internal', message: e?.message ?? String(error) };
}
