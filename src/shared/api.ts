// The one contract between the renderer and the main side. Every request is named here with its
// runtime schema (validated on the main side before a service sees it) and its response type.
import { z } from 'zod';
import type { Segmentation, Vec3, Volume } from './volume';
import type { ModelManifest } from './modelManifest';
import type { StudyOod } from './ood';
import { pacsRequestSchemas, type PacsResponses, type PacsRetrieveStats, type PacsStoreResult } from './pacs';
import {
  interpreterKinds,
  interventionSchema,
  viewContextSchema,
  type Interpretation,
  type InterpreterKind,
} from './intervention';

export type {
  SeriesInfo,
  SeriesSummary,
  SliceChunk,
  OpenResult,
  FileError,
  RecentStudy,
  DirectoryListing,
  AppInfo,
  SavedFile,
} from './studyTypes';
import type { SliceChunk, OpenResult, RecentStudy, DirectoryListing, AppInfo, SavedFile } from './studyTypes';

const path = z.string().min(1, 'a path is required');
const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const seriesId = z.string().min(1);

const segmentationSchema = z.object({
  dims: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  spacingMm: vec3,
  originLps: vec3,
  axesLps: z.tuple([vec3, vec3, vec3]),
  // z.custom keeps the layers' own type (any backing buffer), so callers pass a Segmentation as is.
  layers: z
    .array(
      z.custom<Uint8Array | Uint16Array>((v) => v instanceof Uint8Array || v instanceof Uint16Array, {
        message: 'layers must be Uint8Array or Uint16Array',
      }),
    )
    .min(1),
  segments: z.array(
    z.object({
      value: z.number().int().positive(),
      layer: z.number().int().nonnegative(),
      name: z.string().min(1),
      colorRgb: vec3,
    }),
  ),
});

/**
 * How a segmentation was made, for a DICOM SEG's algorithm fields: AUTOMATIC for a model's output as
 * it came, SEMIAUTOMATIC once a person edited or corrected it; absent for a drawing (MANUAL).
 */
const segAlgorithmSchema = z.object({
  name: z.string().min(1).max(64),
  version: z.string().min(1).max(64),
  type: z.enum(['AUTOMATIC', 'SEMIAUTOMATIC']),
  /** Per segment (label value) where they differ: only the segments a person edited are SEMIAUTOMATIC. */
  segments: z
    .array(
      z.object({
        value: z.number().int().positive(),
        type: z.enum(['AUTOMATIC', 'SEMIAUTOMATIC', 'MANUAL']),
      }),
    )
    .optional(),
});
export type SegAlgorithmData = z.infer<typeof segAlgorithmSchema>;

/** In-plane voxel indices on a slice: `a` along the lower in-plane volume axis, `b` the other. */
const planePoint = z.object({ a: z.number().int(), b: z.number().int() });

const segmentationPromptSchema = z
  .object({
    seriesId,
    /** Index along the volume axis closest to superior-inferior. */
    slice: z.number().int().nonnegative(),
    /** Two opposite corners of a box, inclusive. */
    box: z.tuple([planePoint, planePoint]).optional(),
    points: z
      .array(planePoint.extend({ positive: z.boolean() }))
      .min(1)
      .optional(),
    /** Continue the mask through neighbouring slices until it vanishes. */
    propagate: z.boolean().optional(),
    /** Segment name; 'lesion' by default. */
    name: z.string().min(1).optional(),
    modelId: z.string().min(1).optional(),
    task: z.string().min(1).optional(),
    /** What the image is where its file does not say (e.g. 'MR'); normalisation follows it. */
    modality: z.string().min(1).optional(),
  })
  .refine(
    (r) => (r.box === undefined) !== (r.points === undefined),
    'give a box or points, not both or neither',
  );

/** A model folder as the model panel lists it: verified with its manifest, or refused with why. */
export type InstalledModelInfo = { id: string; dir: string; provider: string } & (
  { status: 'verified'; manifest: ModelManifest } | { status: 'refused'; reason: string }
);

/** An automatic or prompted segmentation on the series' grid, with what made it and how long it took. */
export interface SegmentationRunResult {
  segmentation: Segmentation;
  model: { id: string; version: string };
  /** The execution provider that ran it (cpu, cuda, dml, coreml). */
  provider: string;
  timingsMs: Record<string, number>;
  /** What the user should see with the result (e.g. an oblique study). */
  warnings: string[];
  /** Out-of-distribution score per study and per structure (automatic runs of a model with statistics). */
  ood?: StudyOod;
  task: string;
}

const sessionView = z.object({ windowWidth: z.number(), windowLevel: z.number(), cursor: vec3 });

export interface SessionView {
  windowWidth: number;
  windowLevel: number;
  cursor: Vec3;
}

/**
 * One change to one label layer, as a diff: the voxels (flat indices, i fastest) that changed, from
 * what to what. Undo writes `before` back, so it restores the layer exactly.
 */
export interface LabelEditData {
  layer: number;
  indices: Uint32Array;
  before: Uint16Array;
  after: Uint16Array;
}

/** How the main side answers an intervention: the edit, what it did and how, and how long it took. */
export interface InterventionApplyResult {
  /** null when nothing in the region needed to change (the note says why). */
  edit: LabelEditData | null;
  /** The readable line of the intervention ("Shrink liver · slices 38–46 · near stomach"). */
  summary: string;
  /**
   * film: the decoder re-run with the model's learned FiLM directions inside the gate;
   * logits: the model has no intervention inputs for this class, so its class logits were raised or
   * lowered inside the gate; geometric: the model has no such class, so the boundary was moved by
   * distance alone; mask-edit: `remove`, which deletes the label without asking the model.
   */
  method: 'film' | 'logits' | 'geometric' | 'mask-edit';
  /** What the user should know (a fallback, or why nothing changed). */
  note?: string;
  /** Per structure whose voxels changed. */
  changes: { name: string; value: number; added: number; removed: number }[];
  /** 0-based axial slices that changed, or null. */
  slices: { from: number; to: number } | null;
  voxelsChanged: number;
  model: { id: string; version: string } | null;
  timingsMs: Record<string, number>;
}

export interface InterpreterInfo {
  /** Who will answer: 'llm' when an LLM is installed and verified, else 'built-in'. */
  active: InterpreterKind;
  llm: 'none' | 'unavailable' | 'not-loaded' | 'loading' | 'ready';
  reason?: string;
  modelId?: string;
}

export interface SpeechEngineInfo {
  id: string;
  description: string;
  available: boolean;
  /** What to install when it is not available. */
  install?: string;
}

export interface TranscribeResult {
  /** The words heard, lower case. */
  text: string;
  /** The words as a typed command (numbers as digits: "three millimetres" → "3 millimetres"), for the input box. */
  command: string;
  engine: string;
  confidence?: number;
  elapsedMs: number;
  audioSeconds: number;
  /**
   * With a view context, the recogniser's hypotheses were re-ranked by meaning: `sure` says whether
   * the command may be applied without asking (a rival reading that changes another structure or
   * does the opposite, or low confidence, makes it false); when not sure, what to ask and the
   * readings to offer, each a complete command.
   */
  sure?: boolean;
  question?: string;
  options?: string[];
}

export const requestSchemas = {
  'app.info': z.object({}),
  /** Opens files or folders; progress under `task` (default 'open'), stopped by 'tasks.cancel'. */
  'studies.open': z.object({ paths: z.array(path).min(1), task: z.string().min(1).optional() }),
  /**
   * Stops a long task (an opening, a segmentation, a prompt, a PACS retrieve) by the task name it was started
   * under. A newer task under a name still running supersedes it the same way.
   */
  'tasks.cancel': z.object({ task: z.string().min(1) }),
  'studies.openFiles': z.object({
    files: z
      .array(z.object({ name: z.string().min(1), bytes: z.instanceof(Uint8Array) }))
      .min(1, 'no files were dropped'),
    task: z.string().min(1).optional(),
  }),
  'studies.recent': z.object({}),
  'files.list': z.object({ path: z.string().optional() }),
  'series.volume': z.object({ seriesId }),
  /** Whole k-slices first…first+count-1 of an open series (a view on the main side, one copy on the wire). */
  'series.slices': z.object({
    seriesId,
    first: z.number().int().nonnegative(),
    count: z.number().int().positive().max(4096),
  }),
  /** The measured value range of a series whose summary gave the declared one; answers once all slices are in. */
  'series.valueRange': z.object({ seriesId }),
  'series.close': z.object({ seriesId }),
  'segmentation.load': z.object({ seriesId, paths: z.array(path).min(1) }),
  'segmentation.save': z.object({
    seriesId,
    path,
    format: z.enum(['nifti', 'dicom-seg']),
    segmentation: segmentationSchema,
    algorithm: segAlgorithmSchema.optional(),
    /** false: an existing file is not replaced (the answer is an 'exists' error to ask about). */
    overwrite: z.boolean().optional(),
  }),
  /** Installed segmentation models (shipped and the user's), each verified or refused. */
  'models.list': z.object({}),
  /** Verifies a user's model folder (schema, sha256) and installs a copy under the data folder. */
  'models.add': z.object({ path }),
  /** Automatic segmentation of an open series; progress under `task`, stopped by 'tasks.cancel'. */
  'segmentation.run': z.object({
    seriesId,
    modelId: z.string().min(1).optional(),
    task: z.string().min(1).optional(),
    modality: z.string().min(1).optional(),
  }),
  'segmentation.prompt': segmentationPromptSchema,
  /** Volume report (CSV and JSON): per structure voxels, mL and bounding box (mm, LPS). */
  'segmentation.report': z.object({
    seriesId,
    segmentation: segmentationSchema,
    modelId: z.string().min(1).optional(),
    /** Also write the report here (the export dialog's choice). */
    csvPath: path.optional(),
    jsonPath: path.optional(),
  }),
  /** The edits of a study, saved while the user works and offered back when it is reopened. */
  'session.save': z.object({
    key: z.string().min(1),
    segmentation: segmentationSchema,
    view: sessionView.optional(),
    /** What the saved version is on the history list: said back when it is restored. */
    label: z.string().min(1).max(500).optional(),
  }),
  'session.restore': z.object({ key: z.string().min(1) }),
  'session.discard': z.object({ key: z.string().min(1) }),
  /** Which interpreter answers commands (the LLM, or the built-in rules) and the LLM's state. */
  'intervention.status': z.object({}),
  /** A typed (or transcribed) correction → an intervention, a question or a refusal. */
  'intervention.interpret': z.object({
    command: z.string().trim().min(1, 'type a command').max(500),
    context: viewContextSchema,
  }),
  /**
   * Applies an intervention to the segmentation on screen (re-running the decoder on the affected
   * slices from cached embeddings) and records it in the audit log; answers with the edit as a diff.
   */
  'intervention.apply': z.object({
    seriesId,
    segmentation: segmentationSchema,
    intervention: interventionSchema,
    /** The words the user gave, and who interpreted them: for the audit log. */
    command: z.string().max(500),
    interpreter: z.enum(interpreterKinds),
    modelId: z.string().min(1).optional(),
    modality: z.string().min(1).optional(),
  }),
  /** An undo or redo of an applied intervention, for the audit log. */
  'intervention.record': z.object({
    seriesId,
    event: z.enum(['undo', 'redo']),
    summary: z.string().min(1).max(500),
  }),
  /** Speech engines and whether each can run here (and what to install if not). */
  'speech.engines': z.object({}),
  /** 16 kHz mono 16-bit PCM (push-to-talk) → the words heard and the command they make. */
  'speech.transcribe': z.object({
    pcm: z.instanceof(Int16Array).refine((a) => a.length > 0, 'no audio was recorded'),
    engine: z.string().min(1).optional(),
    /** Structures on screen: the recogniser listens for these names only. */
    structures: z.array(z.string().min(1)).optional(),
    /** The view the command is about: its hypotheses are interpreted in it and re-ranked by meaning. */
    context: viewContextSchema.optional(),
  }),
  ...pacsRequestSchemas,
  /** Sends a segmentation of an open series to a PACS node as a DICOM SEG referencing that series. */
  'pacs.store': z.object({
    node: z.string().min(1),
    seriesId,
    segmentation: segmentationSchema,
    /** Also send the segment volumes as a DICOM Encapsulated PDF referencing the SEG. */
    report: z.boolean().optional(),
    algorithm: segAlgorithmSchema.optional(),
  }),
} as const;

export interface Responses {
  'app.info': AppInfo;
  'studies.open': OpenResult;
  'tasks.cancel': { cancelled: boolean };
  'studies.openFiles': OpenResult;
  'studies.recent': { items: RecentStudy[] };
  'files.list': DirectoryListing;
  'series.volume': Volume;
  'series.slices': SliceChunk;
  'series.valueRange': { valueRange: [number, number] };
  'series.close': { closed: boolean };
  /** The labels on the series' grid; `placement` says how, where they came from another grid. */
  'segmentation.load': Segmentation & { placement?: string };
  'segmentation.save': SavedFile;
  'models.list': { models: InstalledModelInfo[] };
  'models.add': InstalledModelInfo;
  'segmentation.run': SegmentationRunResult;
  'segmentation.prompt': SegmentationRunResult;
  'segmentation.report': { csv: string; json: string; saved: SavedFile[] };
  'session.save': { savedAt: string };
  'session.restore': {
    savedAt: string;
    segmentation: Segmentation;
    view?: SessionView;
    label?: string;
  } | null;
  'session.discard': { discarded: boolean };
  'intervention.status': InterpreterInfo;
  'intervention.interpret': Interpretation;
  'intervention.apply': InterventionApplyResult;
  'intervention.record': { recorded: boolean };
  'speech.engines': { engines: SpeechEngineInfo[] };
  'speech.transcribe': TranscribeResult;
}

export interface Responses extends PacsResponses {
  /** The retrieved series, opened from the local cache, and what the retrieve did. */
  'pacs.retrieve': OpenResult & { stats: PacsRetrieveStats };
  'pacs.store': PacsStoreResult;
}

export interface Events {
  /** Long work reports here; fraction in [0, 1]. */
  progress: { task: string; label: string; fraction: number };
}

export type Method = keyof typeof requestSchemas;
export type RequestOf<M extends Method> = z.input<(typeof requestSchemas)[M]>;
export type EventName = keyof Events;

export const methods = Object.keys(requestSchemas) as Method[];

/** The client side of the contract: what the renderer calls, whichever shell it runs in. */
export type ApiClient = { [M in Method]: (request: RequestOf<M>) => Promise<Responses[M]> } & {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

/** Every response crosses as an envelope so that error details survive IPC and WebSocket alike. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorData };

export interface ApiErrorData {
  /**
   * remote: a PACS refused or failed (unreachable, wrong credentials, association rejected…);
   * exists: the file to write exists and the request did not allow replacing it.
   */
  code: 'bad-request' | 'bad-input' | 'not-found' | 'exists' | 'cancelled' | 'remote' | 'internal';
  message: string;
  /** The file the problem is in, where there is one. */
  file?: string;
}

export class ApiError extends Error {
  readonly code: ApiErrorData['code'];
  readonly file?: string;
  constructor(data: ApiErrorData) {
    super(data.message);
    this.name = 'ApiError';
    this.code = data.code;
    this.file = data.file;
  }
}

/** Electron IPC channels of the contract: one for requests, one for events. */
export const ipcChannels = {
  invoke: 'api:invoke',
  event: 'api:event',
  /** The page asks for a port of its own for the bulk methods (see portTransport.ts). */
  slicesPort: 'api:slices-port',
} as const;

/** A transport sends one request and resolves with its envelope; it knows nothing of methods. */
export interface Transport {
  invoke(method: Method, request: unknown): Promise<Envelope>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
}

/** Builds the typed client from the method list, so both shells expose exactly the contract. */
export function createClient(transport: Transport): ApiClient {
  const client: Record<string, unknown> = {};
  for (const method of methods) {
    client[method] = async (request: unknown) => {
      const envelope = await transport.invoke(method, request);
      if (!envelope.ok) throw new ApiError(envelope.error);
      return envelope.result;
    };
  }
  client.on = (event: EventName, listener: (payload: unknown) => void) =>
    transport.subscribe((name, payload) => {
      if (name === event) listener(payload);
    });
  return client as ApiClient;
}
