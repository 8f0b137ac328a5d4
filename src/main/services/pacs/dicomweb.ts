// DICOMweb client (PS3.18): QIDO-RS to search, WADO-RS to retrieve (streamed multipart/related),
// STOW-RS to send. Node's fetch; every request has an idle timeout and follows the caller's signal.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PacsStudy, PacsStudyQuery } from '../../../shared/pacs';
import type { PacsCache } from './cache';
import { TAG, seriesFromJson, studyFromJson, text, values, type DicomJson } from './dicomJson';
import { PacsCancelledError, PacsError, networkError } from './errors';
import { MultipartTruncatedError, boundaryOf, readMultipart, writeMultipart } from './multipart';
import { readPart10Meta } from './part10';
import {
  studyMatchKeys,
  type PacsClient,
  type RemoteSeries,
  type StoredInstance,
  type TransferOptions,
} from './types';

export type DicomWebAuth =
  { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };

export interface DicomWebTarget {
  name: string;
  url: string;
  auth?: DicomWebAuth;
  timeoutS?: number;
}

interface RequestHandle {
  response: Response;
  /** Restarts the idle timeout: call it whenever bytes arrive. */
  touch: () => void;
  /** Stops the timer and unhooks the caller's signal. */
  done: () => void;
  /** Turns an error while reading the body into a PacsError (timeout, cancel, network). */
  failure: (error: unknown) => PacsError;
}

const STUDY_FIELDS = [
  TAG.StudyDescription,
  TAG.ModalitiesInStudy,
  TAG.NumberOfStudyRelatedSeries,
  TAG.NumberOfStudyRelatedInstances,
  TAG.AccessionNumber,
];
const SERIES_FIELDS = [
  TAG.SeriesDescription,
  TAG.SeriesNumber,
  TAG.NumberOfSeriesRelatedInstances,
  TAG.Modality,
];
/** STOW-RS requests are cut into batches so that one request body stays well below any proxy limit. */
const STOW_BATCH_BYTES = 64 * 1024 * 1024;

export class DicomWebClient implements PacsClient {
  readonly name: string;
  private readonly base: string;
  private readonly timeoutS: number;
  /** Whether the archive accepts transfer-syntax=* (until it answers 406). */
  private asStored = true;

  constructor(private readonly target: DicomWebTarget) {
    this.name = target.name;
    this.base = target.url.replace(/\/+$/, '');
    this.timeoutS = target.timeoutS ?? 30;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    const auth = this.target.auth;
    if (auth?.type === 'basic')
      extra.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (auth?.type === 'bearer') extra.Authorization = `Bearer ${auth.token}`;
    return extra;
  }

  /**
   * One request with an idle timeout: the timer restarts whenever bytes arrive (see `touch`), so a
   * large retrieve over a slow link is not cut off, but a server that stops answering is.
   */
  private async request(
    path: string,
    init: { method?: string; accept: string; body?: BodyInit; contentType?: string; signal?: AbortSignal },
  ): Promise<RequestHandle> {
    const url = `${this.base}${path}`;
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.timeoutS * 1000);
    };
    const onCancel = () => controller.abort();
    init.signal?.addEventListener('abort', onCancel, { once: true });
    const done = () => {
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', onCancel);
    };
    touch();
    let response: Response;
    try {
      const headers = this.headers({ Accept: init.accept });
      if (init.contentType) headers['Content-Type'] = init.contentType;
      response = await fetch(url, {
        method: init.method ?? 'GET',
        headers,
        body: init.body,
        signal: controller.signal,
        // A streamed request body (STOW-RS) needs half-duplex in Node's fetch.
        ...(init.body ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      done();
      throw this.failure(error, timedOut, init.signal);
    }
    if (response.status === 401 || response.status === 403) {
      done();
      await response.body?.cancel();
      throw new PacsError(
        'credentials',
        `wrong credentials for ${this.name} (HTTP ${response.status}): check the user name and password or token`,
      );
    }
    if (!response.ok) {
      done();
      const detail = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
      throw new PacsError(
        response.status === 404 ? 'not-found' : 'refused',
        `${this.name}: ${init.method ?? 'GET'} ${path.split('?')[0]} answered HTTP ${response.status}${detail ? ` (${detail})` : ''}`,
      );
    }
    // Keep the timeout and cancellation wired while the body streams; the caller calls done().
    return { response, touch, done, failure: (error) => this.failure(error, timedOut, init.signal) };
  }

  private failure(error: unknown, timedOut: boolean, signal?: AbortSignal): PacsError {
    if (timedOut)
      return new PacsError('timeout', `${this.name}: no answer from ${this.base} within ${this.timeoutS} s`);
    if (signal?.aborted) return new PacsCancelledError(`the request to ${this.name}`);
    return networkError(this.name, this.base, error, this.timeoutS);
  }

  private async json(path: string, signal?: AbortSignal): Promise<DicomJson[]> {
    const { response, done, failure } = await this.request(path, {
      accept: 'application/dicom+json',
      signal,
    });
    try {
      const body = await response.text();
      // QIDO-RS answers 204 (or an empty body) when nothing matches.
      return body.trim() ? (JSON.parse(body) as DicomJson[]) : [];
    } catch (error) {
      throw failure(error);
    } finally {
      done();
    }
  }

  async echo(signal?: AbortSignal): Promise<void> {
    // DICOMweb has no echo: the cheapest authenticated query proves reachability and credentials.
    await this.json('/studies?limit=1', signal);
  }

  async findStudies(query: PacsStudyQuery, signal?: AbortSignal): Promise<PacsStudy[]> {
    const params = new URLSearchParams(studyMatchKeys(query));
    for (const field of STUDY_FIELDS) params.append('includefield', field);
    return (await this.json(`/studies?${params}`, signal)).map(studyFromJson);
  }

  async findSeries(studyUid: string, signal?: AbortSignal): Promise<RemoteSeries[]> {
    const params = new URLSearchParams();
    for (const field of SERIES_FIELDS) params.append('includefield', field);
    const items = await this.json(`/studies/${studyUid}/series?${params}`, signal);
    return items.map((item) => seriesFromJson(item, studyUid));
  }

  async listInstances(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<string[]> {
    const items = await this.json(`/studies/${studyUid}/series/${seriesUid}/instances`, signal);
    return items.map((item) => text(item, TAG.SOPInstanceUID)).filter(Boolean);
  }

  async fetchInstances(
    cache: PacsCache,
    studyUid: string,
    seriesUid: string,
    only: string[] | undefined,
    options: TransferOptions,
  ): Promise<{ bytes: number }> {
    let bytes = 0;
    let done = 0;
    const take = async (path: string) => {
      bytes += await this.retrieveMultipart(path, cache, studyUid, seriesUid, options, () => {
        done += 1;
        options.onInstance?.(done);
      });
    };
    const series = `/studies/${studyUid}/series/${seriesUid}`;
    if (!only) {
      await take(series);
      return { bytes };
    }
    // Resuming: only the missing instances, a few requests at a time.
    const queue = [...only];
    const worker = async () => {
      for (let uid = queue.shift(); uid; uid = queue.shift()) await take(`${series}/instances/${uid}`);
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
    return { bytes };
  }

  private async retrieveMultipart(
    path: string,
    cache: PacsCache,
    studyUid: string,
    seriesUid: string,
    options: TransferOptions,
    onInstance: () => void,
  ): Promise<number> {
    // transfer-syntax=* asks for the instances as stored: no transcoding on the server, and the
    // loader decodes every syntax the archive may hold. An archive that does not support it answers
    // 406; then the default (Explicit VR Little Endian) is asked for, for this and later requests.
    const plain = 'multipart/related; type="application/dicom"';
    let request: RequestHandle;
    try {
      request = await this.request(path, {
        accept: this.asStored ? `${plain}; transfer-syntax=*` : plain,
        signal: options.signal,
      });
    } catch (error) {
      if (!(this.asStored && error instanceof PacsError && / HTTP 406/.test(error.message))) throw error;
      this.asStored = false;
      request = await this.request(path, { accept: plain, signal: options.signal });
    }
    const { response, touch, done } = request;
    const boundary = boundaryOf(response.headers.get('content-type'));
    if (!boundary || !response.body) {
      done();
      throw new PacsError('protocol', `${this.name}: WADO-RS answered without a multipart body`);
    }
    let bytes = 0;
    const body = response.body;
    async function* counted() {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        yield chunk;
      }
    }
    try {
      for await (const part of readMultipart(counted(), boundary)) {
        const meta = readPart10Meta(part);
        if (!meta)
          throw new PacsError('protocol', `${this.name}: WADO-RS sent a part that is not a DICOM file`);
        await cache.put(studyUid, seriesUid, meta.sopInstanceUid, part);
        bytes += part.byteLength;
        onInstance();
      }
    } catch (error) {
      if (error instanceof PacsError) throw error;
      if (error instanceof MultipartTruncatedError)
        throw new PacsError('cut-off', `${this.name}: the transfer was cut off midway`);
      throw request.failure(error);
    } finally {
      done();
    }
    return bytes;
  }

  async store(files: string[], options: TransferOptions): Promise<StoredInstance[]> {
    const stored: StoredInstance[] = [];
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      stored.push(...(await this.stow(batch, options.signal)));
      options.onInstance?.(stored.length);
      batch = [];
      batchBytes = 0;
    };
    for (const file of files) {
      const bytes = new Uint8Array(await readFile(file));
      if (!readPart10Meta(bytes)) throw new PacsError('protocol', `${file}: not a DICOM Part 10 file`);
      batch.push(bytes);
      batchBytes += bytes.byteLength;
      if (batchBytes >= STOW_BATCH_BYTES) await flush();
    }
    await flush();
    return stored;
  }

  private async stow(parts: Uint8Array[], signal?: AbortSignal): Promise<StoredInstance[]> {
    const boundary = `causal-sam-${randomUUID()}`;
    const { response, done, failure } = await this.request('/studies', {
      method: 'POST',
      accept: 'application/dicom+json',
      contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
      body: new Blob(writeMultipart(parts, boundary) as BlobPart[]),
      signal,
    });
    let answer: DicomJson;
    try {
      const body = await response.text();
      answer = (body.trim() ? JSON.parse(body) : {}) as DicomJson;
    } catch (error) {
      throw failure(error);
    } finally {
      done();
    }
    const failed = values(answer, TAG.FailedSOPSequence) as DicomJson[];
    if (failed.length > 0) {
      const reason = text(failed[0], TAG.FailureReason);
      throw new PacsError(
        'refused',
        `${this.name} refused ${failed.length} of ${parts.length} instances (STOW-RS failure reason ${reason || 'not given'})`,
      );
    }
    return (values(answer, TAG.ReferencedSOPSequence) as DicomJson[]).map((item) => ({
      sopInstanceUid: text(item, TAG.ReferencedSOPInstanceUID),
      sopClassUid: text(item, TAG.ReferencedSOPClassUID),
    }));
  }
}
