// PACS part of the contract: archive nodes (DICOMweb or DIMSE), what a search returns, and the
// runtime schemas of the PACS requests. Kept apart from api.ts so that the contract file stays a list.
import { z } from 'zod';

/** An AE title: 1–16 characters of the default repertoire, no backslash (PS3.5 6.2). */
const aeTitle = z
  .string()
  .trim()
  .min(1, 'an AE title is required')
  .max(16, 'an AE title has at most 16 characters')
  .regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'an AE title holds printable ASCII without a backslash');
const port = z.number().int().min(1).max(65535);
const nodeName = z.string().trim().min(1, 'a node name is required').max(64);

export const pacsNodeSchema = z.discriminatedUnion('kind', [
  z.object({
    name: nodeName,
    kind: z.literal('dicomweb'),
    /** Base URL of the DICOMweb service, e.g. http://pacs:8042/dicom-web */
    url: z
      .url({ protocol: /^https?$/, error: 'a DICOMweb URL starts with http:// or https://' })
      // Credentials belong in the secret store, where they are not written to settings or logs.
      .refine((url) => !new URL(url).username && !new URL(url).password, {
        error: 'put the user name and password in the node settings, not in the URL',
      }),
    auth: z.enum(['none', 'basic', 'bearer']).default('none'),
    /** For basic auth; the password (or the bearer token) is a secret, kept apart from settings. */
    username: z.string().optional(),
    timeoutS: z.number().positive().max(3600).optional(),
  }),
  z.object({
    name: nodeName,
    kind: z.literal('dimse'),
    aet: aeTitle,
    host: z.string().trim().min(1, 'a host is required'),
    port,
    /** C-MOVE needs the archive to know this workstation (AE, host, port); C-GET does not. */
    retrieve: z.enum(['move', 'get']).default('get'),
    timeoutS: z.number().positive().max(3600).optional(),
  }),
]);

export type PacsNode = z.output<typeof pacsNodeSchema>;

/** A node as listed to the renderer: never its secret, only whether one is kept. */
export type PacsNodeInfo = PacsNode & { hasSecret: boolean };

export interface PacsSettings {
  /** The workstation's own AE title (calling AE; the destination of C-MOVE). */
  localAet: string;
  /** Port of the workstation's storage SCP, opened only while a C-MOVE runs. */
  localPort: number;
  nodes: PacsNodeInfo[];
}

export interface PacsStudy {
  studyUid: string;
  patientName: string;
  patientId: string;
  /** YYYYMMDD as stored. */
  studyDate: string;
  studyDescription: string;
  accessionNumber: string;
  modalities: string[];
  seriesCount?: number;
  instanceCount?: number;
}

export interface PacsSeries {
  studyUid: string;
  seriesUid: string;
  modality: string;
  seriesNumber?: number;
  seriesDescription: string;
  instanceCount?: number;
  /** Instances of this series already in the local cache. */
  cachedCount: number;
}

export interface PacsRetrieveStats {
  /** Folder of the cached series (<dataDir>/pacs-cache/<StudyUID>/<SeriesUID>). */
  folder: string;
  /** Instances fetched now. */
  retrieved: number;
  /** Instances that were already cached and verified, so not fetched again. */
  alreadyCached: number;
  bytes: number;
  seconds: number;
}

export interface PacsStoreResult {
  node: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** The source series the stored object references. */
  referencedSeriesUid?: string;
  /** The volume report (Encapsulated PDF) sent with the SEG, when asked for. */
  reportSopInstanceUid?: string;
}

const date = z
  .string()
  .regex(/^\d{4}-?\d{2}-?\d{2}$/, 'a date is YYYY-MM-DD')
  .optional();
const uid = z
  .string()
  .trim()
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'not a DICOM UID')
  .max(64);

export const pacsStudyQuerySchema = z.object({
  patientName: z.string().max(64).optional(),
  patientId: z.string().max(64).optional(),
  dateFrom: date,
  dateTo: date,
  modality: z.string().max(16).optional(),
  accessionNumber: z.string().max(16).optional(),
});
export type PacsStudyQuery = z.output<typeof pacsStudyQuerySchema>;

/** Requests of the PACS area; spread into the contract's requestSchemas ('pacs.store' is in api.ts). */
export const pacsRequestSchemas = {
  'pacs.nodes': z.object({}),
  'pacs.saveNode': z.object({
    node: pacsNodeSchema,
    /** Password or bearer token. Absent: keep the stored one; empty string: forget it. */
    secret: z.string().optional(),
  }),
  'pacs.deleteNode': z.object({ name: nodeName }),
  'pacs.setLocal': z.object({ localAet: aeTitle, localPort: port }),
  'pacs.echo': z.object({ node: nodeName }),
  'pacs.findStudies': z.object({ node: nodeName, query: pacsStudyQuerySchema }),
  'pacs.findSeries': z.object({ node: nodeName, studyUid: uid }),
  'pacs.retrieve': z.object({
    node: nodeName,
    studyUid: uid,
    seriesUid: uid,
    /** Chosen by the caller so that 'tasks.cancel' can stop it; progress events carry it. */
    task: z.string().min(1).max(100).optional(),
  }),
} as const;

export interface PacsResponses {
  'pacs.nodes': PacsSettings;
  'pacs.saveNode': PacsSettings;
  'pacs.deleteNode': PacsSettings;
  'pacs.setLocal': PacsSettings;
  'pacs.echo': { node: string; milliseconds: number };
  'pacs.findStudies': { studies: PacsStudy[] };
  'pacs.findSeries': { series: PacsSeries[] };
}
