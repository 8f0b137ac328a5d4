// The PACS services against a real Orthanc (Debian's orthanc + orthanc-dicomweb): search by QIDO-RS
// and C-FIND, retrieve by WADO-RS, C-MOVE and C-GET into the cache, open, segment with the shipped
// demo model, send the SEG back by STOW-RS and C-STORE, find it referencing its source series and
// read back the model's voxels; then the faults hospitals meet.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// imaging/load, the SEG reader and writer directly: imaging/index loads through a worker bundle that
// only electron-vite builds.
import { loadSegmentationOnto } from '../../../src/main/services/imaging/dicom/index';
import { writeDicomSeg } from '../../../src/main/services/imaging/dicom/segWriter';
import { loadPaths } from '../../../src/main/services/imaging/load';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import {
  DicomWebClient,
  DimseClient,
  PacsCache,
  PacsError,
  readDicomIdentity,
  retrieveSeries,
  type PacsClient,
} from '../../../src/main/services/pacs/index';
import type { SegmentResult } from '../../../src/main/services/segmentation/engine';
import { structureByName } from '../../../src/shared/anatomy';
import type { ModelManifest } from '../../../src/shared/modelManifest';
import {
  cuttingProxy,
  cuttingTcpProxy,
  differingSegments,
  segmentWithDemoModel,
  silentServer,
  voxelsByName,
} from './helpers';
import { requireData, sharedFile } from '../requireData';
import {
  PASSWORD,
  USER,
  freePort,
  orthancInstalled,
  sharedSeriesDir,
  sharedSeriesFiles,
  startOrthanc,
  type RunningOrthanc,
} from './orthanc';

const LOCAL_AET = 'CAUSALSAM';
let orthanc: RunningOrthanc;
let work: string;
let localPort: number;
let studyUid: string;
let seriesUid: string;
let patientId: string;

const dicomweb = (overrides: Partial<ConstructorParameters<typeof DicomWebClient>[0]> = {}) =>
  new DicomWebClient({
    name: 'orthanc-web',
    url: orthanc.dicomWebUrl,
    auth: { type: 'basic', username: USER, password: PASSWORD },
    timeoutS: 10,
    ...overrides,
  });
const dimse = (
  retrieve: 'move' | 'get',
  overrides: Partial<ConstructorParameters<typeof DimseClient>[0]> = {},
) =>
  new DimseClient({
    name: 'orthanc-dimse',
    aet: orthanc.aet,
    host: '127.0.0.1',
    port: orthanc.dicomPort,
    retrieve,
    timeoutS: 10,
    localAet: LOCAL_AET,
    localPort,
    ...overrides,
  });

const requireCjs = createRequire(import.meta.url);
type Dict = Record<string, { Value?: unknown[] }>;
function readDataset(bytes: Buffer): Dict {
  const dcmjs = requireCjs('dcmjs') as {
    data: { DicomMessage: { readFile(buffer: ArrayBuffer): { dict: Dict } } };
  };
  return dcmjs.data.DicomMessage.readFile(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  ).dict;
}

async function dcmFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('PACS against Orthanc', () => {
  requireData(...orthancInstalled, sharedFile(sharedSeriesDir));
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'causal-sam-pacs-'));
    localPort = await freePort();
    orthanc = await startOrthanc({ aet: LOCAL_AET, port: localPort });
    const files = await sharedSeriesFiles();
    await orthanc.upload(files);
    const identity = readDicomIdentity(new Uint8Array(await readFile(files[0])));
    studyUid = identity.studyInstanceUid;
    seriesUid = identity.seriesInstanceUid;
    const loaded = await loadPaths([files[0]]);
    patientId = String(loaded.series[0].dicom!.patientStudy.PatientID ?? '');
  });
  afterAll(async () => {
    await orthanc?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('answers C-ECHO and an authenticated DICOMweb query', async () => {
    await dimse('get').echo();
    await dicomweb().echo();
  });

  it('finds the study by QIDO-RS and by C-FIND, and lists its series', async () => {
    for (const client of [dicomweb(), dimse('get')] as PacsClient[]) {
      const studies = await client.findStudies({ patientId });
      expect(
        studies.map((s) => s.studyUid),
        client.name,
      ).toContain(studyUid);
      const series = await client.findSeries(studyUid);
      const mr = series.find((s) => s.seriesUid === seriesUid)!;
      expect(mr.modality).toBe('MR');
      expect(mr.instanceCount).toBe(24);
      expect(await client.listInstances(studyUid, seriesUid)).toHaveLength(24);
      // A search that matches nothing is an empty list, not an error.
      expect(await client.findStudies({ patientId: 'NOBODY-HERE' })).toEqual([]);
      // Every criterion of the browser's form, as each protocol spells it.
      const [study] = studies.filter((s) => s.studyUid === studyUid);
      const day = `${study.studyDate.slice(0, 4)}-${study.studyDate.slice(4, 6)}-${study.studyDate.slice(6)}`;
      const uids = async (query: Parameters<PacsClient['findStudies']>[0]) =>
        (await client.findStudies(query)).map((s) => s.studyUid);
      expect(await uids({ patientName: study.patientName.slice(0, 4) })).toContain(studyUid);
      expect(await uids({ dateFrom: day, dateTo: day, modality: 'MR' })).toContain(studyUid);
      expect(await uids({ dateFrom: '1990-01-01', dateTo: day })).toContain(studyUid);
      expect(await uids({ dateFrom: '2100-01-01' })).toEqual([]);
      expect(await uids({ modality: 'CT' })).toEqual([]);
      if (study.accessionNumber)
        expect(await uids({ accessionNumber: study.accessionNumber })).toContain(studyUid);
    }
  });

  for (const [protocol, make] of [
    ['WADO-RS', () => dicomweb()],
    ['C-MOVE', () => dimse('move')],
    ['C-GET', () => dimse('get')],
  ] as const) {
    it(`retrieves the series by ${protocol} into the cache, and it opens as 512 × 512 × 24`, async () => {
      const cache = new PacsCache(join(work, `cache-${protocol}`));
      const fractions: number[] = [];
      const stats = await retrieveSeries(make(), cache, studyUid, seriesUid, {
        onProgress: (fraction) => fractions.push(fraction),
      });
      expect(stats.retrieved).toBe(24);
      expect(stats.alreadyCached).toBe(0);
      expect(await dcmFiles(stats.folder)).toHaveLength(24);
      expect(fractions.at(-1)).toBe(1);
      const loaded = await loadPaths([stats.folder]);
      expect(loaded.errors).toEqual([]);
      expect(loaded.series).toHaveLength(1);
      expect(loaded.series[0].volume.dims).toEqual([512, 512, 24]);
      expect(loaded.series[0].dicom!.seriesInstanceUid).toBe(seriesUid);
      // Byte-faithful: every attribute of the uploaded file, private ones included, same pixels.
      const [uploaded] = await sharedSeriesFiles();
      const sop = readDicomIdentity(new Uint8Array(await readFile(uploaded))).sopInstanceUid;
      const original = readDataset(await readFile(uploaded));
      const cached = readDataset(await readFile(cache.pathOf(studyUid, seriesUid, sop)));
      expect(Object.keys(cached).sort()).toEqual(Object.keys(original).sort());
      expect(Buffer.from(cached['7FE00010'].Value![0] as ArrayBuffer)).toEqual(
        Buffer.from(original['7FE00010'].Value![0] as ArrayBuffer),
      );
      // A second retrieve finds everything cached and fetches nothing.
      const again = await retrieveSeries(make(), cache, studyUid, seriesUid);
      expect(again.retrieved).toBe(0);
      expect(again.alreadyCached).toBe(24);
    });
  }

  describe("the demo model's segmentation, sent back as a SEG", () => {
    let source: LoadedSeries;
    let model: SegmentResult;
    let manifest: ModelManifest;

    beforeAll(async () => {
      // Segment what the archive gave back (C-GET into a cache of its own), not the shared files.
      const cache = new PacsCache(join(work, 'cache-model'));
      const stats = await retrieveSeries(dimse('get'), cache, studyUid, seriesUid);
      source = (await loadPaths([stats.folder])).series[0];
      ({ manifest, result: model } = await segmentWithDemoModel(source));
    });

    it("the model's output on the retrieved series: its own classes, on the series' grid", () => {
      // The model is trained on abdominal CT; on this brain MR it still finds a few voxels of one of
      // its classes. What is asserted below is that the archive keeps exactly what the model made.
      expect(model.model.id).toBe('causal-sam-demo');
      expect(model.segmentation.dims).toEqual([512, 512, 24]);
      expect(model.segmentation.segments.length).toBeGreaterThan(0);
      for (const segment of model.segmentation.segments) {
        const modelClass = manifest.classes.find((c) => c.name === segment.name);
        expect(modelClass, segment.name).toBeDefined();
        expect(segment.value).toBe(modelClass!.catalogueId ?? structureByName(segment.name)!.id);
      }
      expect(Object.values(voxelsByName(model.segmentation)).every((n) => n > 0)).toBe(true);
    });

    for (const [protocol, make] of [
      ['STOW-RS', () => dicomweb()],
      ['C-STORE', () => dimse('get')],
    ] as const) {
      it(`stores it by ${protocol}; the archive finds it referencing the series and gives back the same voxels`, async () => {
        const segPath = join(work, `seg-${protocol}.dcm`);
        await writeFile(segPath, writeDicomSeg(model.segmentation, source));
        const seg = readDicomIdentity(new Uint8Array(await readFile(segPath)));
        const stored = await make().store([segPath], {});
        expect(stored.map((s) => s.sopInstanceUid)).toEqual([seg.sopInstanceUid]);

        // Found by QIDO-RS and by C-FIND as a SEG series of the study.
        for (const client of [dicomweb(), dimse('get')] as PacsClient[]) {
          const segSeries = (await client.findSeries(studyUid)).find(
            (s) => s.seriesUid === seg.seriesInstanceUid,
          );
          expect(segSeries, client.name).toMatchObject({ modality: 'SEG', instanceCount: 1 });
        }
        const metadata = (await (
          await orthanc.rest(`/dicom-web/studies/${studyUid}/series/${seg.seriesInstanceUid}/metadata`)
        ).json()) as Record<string, { Value?: Record<string, { Value?: (string | number)[] }>[] }>[];
        const referenced = metadata[0]['00081115'].Value!.map((item) => item['0020000E'].Value![0]);
        expect(referenced).toEqual([seriesUid]);
        // Its segments are the model's classes: label and SNOMED CT type per segment.
        const segments = metadata[0]['00620002'].Value!.map((item) => ({
          label: item['00620005'].Value![0],
          type: (item['0062000F'].Value![0] as unknown as Record<string, { Value: string[] }>)['00080100']
            .Value[0],
        }));
        expect(segments).toEqual(
          model.segmentation.segments.map((s) => ({
            label: s.name,
            type: structureByName(s.name)!.snomed!.code,
          })),
        );

        // Retrieved back by WADO-RS and opened onto the series: the same voxels, segment by segment.
        const back = await retrieveSeries(
          dicomweb(),
          new PacsCache(join(work, `cache-seg-${protocol}`)),
          studyUid,
          seg.seriesInstanceUid,
        );
        expect(back.retrieved).toBe(1);
        const segFile = join(back.folder, (await dcmFiles(back.folder))[0]);
        const readBack = await loadSegmentationOnto(
          { path: segFile, bytes: new Uint8Array(await readFile(segFile)) },
          source,
        );
        expect(voxelsByName(readBack)).toEqual(voxelsByName(model.segmentation));
        expect(differingSegments(readBack, model.segmentation)).toEqual([]);
      });
    }
  });

  describe('faults', () => {
    it('PACS down: connection refused, said plainly', async () => {
      const port = await freePort();
      await expect(dicomweb({ url: `http://127.0.0.1:${port}/dicom-web` }).echo()).rejects.toThrow(
        /orthanc-web: cannot connect to .*connection refused/,
      );
      await expect(dimse('get', { port }).echo()).rejects.toThrow(
        /orthanc-dimse: cannot connect to ORTHANC@127\.0\.0\.1:\d+ \(connection refused\)/,
      );
    });

    it('wrong credentials: 401 names the node, and the password appears nowhere', async () => {
      const error = await dicomweb({ auth: { type: 'basic', username: USER, password: 'wrong-password' } })
        .findStudies({})
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PacsError);
      expect((error as PacsError).kind).toBe('credentials');
      expect((error as Error).message).toMatch(/^wrong credentials for orthanc-web \(HTTP 401\)/);
      expect(JSON.stringify(error) + String(error)).not.toContain('wrong-password');
    });

    it('timeout: a server that never answers', async () => {
      const silent = await silentServer();
      try {
        await expect(
          dicomweb({ url: `http://127.0.0.1:${silent.port}/dicom-web`, timeoutS: 1 }).echo(),
        ).rejects.toThrow(/orthanc-web: no answer from .* within 1 s/);
        await expect(dimse('get', { port: silent.port, timeoutS: 2 }).echo()).rejects.toThrow(
          /orthanc-dimse: no answer from .* within 2 s/,
        );
      } finally {
        await silent.close();
      }
    });

    it('C-MOVE to a workstation the archive does not know: says what to configure', async () => {
      const error = await retrieveSeries(
        dimse('move', { localAet: 'STRANGER' }),
        new PacsCache(join(work, 'cache-stranger')),
        studyUid,
        seriesUid,
      ).catch((e: unknown) => e);
      expect((error as PacsError).kind).toBe('refused');
      expect((error as Error).message).toMatch(
        /C-MOVE failed with status 0x(a801|c000) .*the archive must know this workstation as STRANGER/,
      );
    });

    it('a bearer token goes in the Authorization header; a refused one is a credentials error', async () => {
      // Orthanc has no bearer auth without plugins: a bare HTTP server shows what is sent.
      const seen: (string | undefined)[] = [];
      const server = createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(401).end();
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      try {
        const { port } = server.address() as { port: number };
        const error = await dicomweb({
          url: `http://127.0.0.1:${port}/dicom-web`,
          auth: { type: 'bearer', token: 'tok-123' },
        })
          .echo()
          .catch((e: unknown) => e);
        expect(seen).toEqual(['Bearer tok-123']);
        expect((error as PacsError).kind).toBe('credentials');
        expect(String(error)).not.toContain('tok-123');
      } finally {
        server.close();
      }
    });

    it("C-MOVE when the workstation's port is taken: says so", async () => {
      const squatter = createNetServer();
      await new Promise<void>((done) => squatter.listen(localPort, done));
      try {
        await expect(
          retrieveSeries(dimse('move'), new PacsCache(join(work, 'cache-busy')), studyUid, seriesUid),
        ).rejects.toThrow(new RegExp(`DICOM port ${localPort} is in use by another program`));
      } finally {
        squatter.close();
      }
    });

    it('association rejected: a wrong called AE title', async () => {
      const error = await dimse('get', { aet: 'NOT-ORTHANC' })
        .echo()
        .catch((e: unknown) => e);
      expect((error as PacsError).kind).toBe('rejected');
      expect((error as Error).message).toMatch(/association rejected by NOT-ORTHANC@127\.0\.0\.1:\d+/);
    });

    it('WADO-RS cut off midway: a clear message, and the retry resumes without duplicates', async () => {
      // ~5 instances of ~530 kB get through before the connection drops.
      const proxy = await cuttingProxy(orthanc.dicomWebUrl, 2_800_000);
      const cache = new PacsCache(join(work, 'cache-cut-web'));
      try {
        const client = dicomweb({ url: proxy.url });
        const error = await retrieveSeries(client, cache, studyUid, seriesUid).catch((e: unknown) => e);
        expect(proxy.cuts()).toBe(1);
        expect((error as PacsError).kind).toBe('cut-off');
        expect((error as Error).message).toMatch(/of 24 instances are cached, retry to fetch the rest/);
        const kept = (await cache.cachedInstances(studyUid, seriesUid)).size;
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(24);
        const retry = await retrieveSeries(client, cache, studyUid, seriesUid);
        expect(retry.alreadyCached).toBe(kept);
        expect(retry.retrieved).toBe(24 - kept);
        expect(await dcmFiles(retry.folder)).toHaveLength(24);
        expect((await loadPaths([retry.folder])).series[0].volume.dims).toEqual([512, 512, 24]);
      } finally {
        await proxy.close();
      }
    });

    it('C-GET cut off midway: a clear message, and the retry resumes without duplicates', async () => {
      // The association drops after ~5 instances of ~530 kB have come through.
      const proxy = await cuttingTcpProxy(orthanc.dicomPort, 2_800_000);
      const cache = new PacsCache(join(work, 'cache-cut-dimse'));
      try {
        const client = dimse('get', { port: proxy.port });
        const error = await retrieveSeries(client, cache, studyUid, seriesUid).catch((e: unknown) => e);
        expect(proxy.cuts()).toBe(1);
        expect((error as PacsError).kind).toBe('cut-off');
        expect((error as Error).message).toMatch(/of 24 instances are cached, retry to fetch the rest/);
        const kept = (await cache.cachedInstances(studyUid, seriesUid)).size;
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(24);
        // The retry goes through the same proxy, which lets this connection through whole.
        const retry = await retrieveSeries(client, cache, studyUid, seriesUid);
        expect(retry.alreadyCached).toBe(kept);
        expect(retry.retrieved).toBe(24 - kept);
        expect(await dcmFiles(retry.folder)).toHaveLength(24);
        const reopened = await loadPaths([retry.folder]);
        expect(reopened.errors).toEqual([]);
        expect(reopened.series[0].volume.dims).toEqual([512, 512, 24]);
      } finally {
        await proxy.close();
      }
    });

    for (const [protocol, make] of [
      ['WADO-RS', () => dicomweb()],
      ['C-GET', () => dimse('get')],
      ['C-MOVE', () => dimse('move')],
    ] as const) {
      it(`${protocol} cancelled midway: the retry resumes without duplicates`, async () => {
        const cache = new PacsCache(join(work, `cache-cancel-${protocol}`));
        const controller = new AbortController();
        const error = await retrieveSeries(make(), cache, studyUid, seriesUid, {
          signal: controller.signal,
          onProgress: (fraction) => fraction >= 0.25 && controller.abort(),
        }).catch((e: unknown) => e);
        expect((error as PacsError).kind).toBe('cancelled');
        expect((error as Error).message).toMatch(/^the retrieve \(\d+ of 24 instances kept\) was cancelled$/);
        const kept = (await cache.cachedInstances(studyUid, seriesUid)).size;
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(24);
        const retry = await retrieveSeries(make(), cache, studyUid, seriesUid);
        expect(retry.alreadyCached).toBe(kept);
        expect(retry.retrieved).toBe(24 - kept);
        expect(await dcmFiles(retry.folder)).toHaveLength(24);
      });
    }
  });
});
