// The web shell's contract over a real WebSocket, as the renderer uses it: access rules, validation
// before any service runs, binary voxel transfer and file errors that name the file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Envelope, OpenResult } from '../../src/shared/api';
import type { Segmentation, Volume } from '../../src/shared/volume';
import { decodeFrame, encodeFrame } from '../../src/shared/wire';
import { requireTools } from '../unit/imaging/dicomFixtures';
import { repoRoot, startWebShell, type RunningWebShell } from './webShell';

let shell: RunningWebShell;

beforeAll(async () => {
  shell = await startWebShell();
});
afterAll(() => shell?.stop());

/**
 * `count` 512×512 slices as lossless JPEG 2000 (pydicom writes them, GDCM compresses): slice k is
 * noise (slow to decode) between -1000 and 1000 + 10k, with corners -1000, k*10 and 2000 + 10k.
 */
function jpeg2000Series(folder: string, count: number): string {
  const script = `
import os, sys, numpy as np, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(3)
study, series = generate_uid(), generate_uid()
for k in range(count):
    v = rng.integers(-1000, 1000 + 10 * k, (512, 512), dtype=np.int16)
    v[0, 0], v[0, 1], v[-1, -1] = -1000, 10 * k, 2000 + 10 * k
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality, ds.InstanceNumber = study, series, 'CT', k + 1
    ds.ImageOrientationPatient, ds.ImagePositionPatient = [1, 0, 0, 0, 1, 0], [0, 0, float(k)]
    ds.PixelSpacing, ds.Rows, ds.Columns = [0.7, 0.7], 512, 512
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = v.tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, f'{k:03d}.dcm'), write_like_original=False)
`;
  const raw = `${folder}-raw`;
  execFileSync('/usr/bin/python3', ['-c', script, raw, String(count)]);
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(raw))
    execFileSync('gdcmconv', ['-U', '--j2k', join(raw, name), join(folder, name)]);
  return folder;
}

const jpeg2000SliceCorners = (k: number) => [-1000, 10 * k, 2000 + 10 * k];

function connect(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${shell.origin.replace('http', 'ws')}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function call(ws: WebSocket, method: string, request: unknown): Promise<Envelope> {
  const id = Math.floor(Math.random() * 1e9);
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const message = decodeFrame(new Uint8Array(data)) as { kind: string; id: number; envelope: Envelope };
      if (message.kind === 'response' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.envelope);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeFrame({ kind: 'request', id, method, request }));
  });
}

describe('web shell', () => {
  it('serves the app only with the token, and sets it as a cookie', async () => {
    expect((await fetch(`${shell.origin}/`)).status).toBe(401);
    const ok = await fetch(shell.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toContain('HttpOnly');
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await ok.text()).toContain('<div id="app"');
  });

  it('refuses WebSockets without the token or from another origin', async () => {
    await expect(connect({})).rejects.toThrow(/401/);
    await expect(
      connect({ Cookie: `csam_token=${shell.token}`, Origin: 'http://evil.example' }),
    ).rejects.toThrow(/403/);
  });

  describe('over the contract', () => {
    let ws: WebSocket;
    beforeAll(async () => {
      ws = await connect({ Cookie: `csam_token=${shell.token}`, Origin: shell.origin });
    });
    afterAll(() => ws?.close());

    it('rejects malformed requests before any service sees them', async () => {
      expect(await call(ws, 'studies.open', { paths: [] })).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
      expect(await call(ws, 'studies.open', { paths: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
      expect(await call(ws, 'no.such.method', {})).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
    });

    it('opens the sample study and sends its voxels as binary', async () => {
      const info = (await call(ws, 'app.info', {})) as {
        ok: true;
        result: { sampleStudy: { image: string } };
      };
      const opened = (await call(ws, 'studies.open', { paths: [info.result.sampleStudy.image] })) as {
        ok: true;
        result: OpenResult;
      };
      expect(opened.result.errors).toEqual([]);
      expect(opened.result.series).toHaveLength(1);
      const [series] = opened.result.series;
      expect(series).toMatchObject({ modality: 'CT', dims: [122, 101, 112], spacingMm: [3, 3, 3] });
      const volume = (await call(ws, 'series.volume', { seriesId: series.seriesId })) as {
        ok: true;
        result: Volume;
      };
      expect(ArrayBuffer.isView(volume.result.voxels)).toBe(true);
      expect(volume.result.voxels.length).toBe(122 * 101 * 112);
      // Streaming: whole k-slices, byte for byte those of the volume, and the display range up front.
      const slice = 122 * 101;
      const chunk = (await call(ws, 'series.slices', { seriesId: series.seriesId, first: 50, count: 3 })) as {
        ok: true;
        result: { first: number; count: number; voxels: Volume['voxels'] };
      };
      expect(chunk.result.voxels.constructor).toBe(volume.result.voxels.constructor);
      expect([...chunk.result.voxels]).toEqual([...volume.result.voxels.subarray(50 * slice, 53 * slice)]);
      const [lo, hi] = series.valueRange;
      const values = Array.from(volume.result.voxels as ArrayLike<number>);
      expect(lo).toBe(values.reduce((a, b) => Math.min(a, b)));
      expect(hi).toBe(values.reduce((a, b) => Math.max(a, b)));
      const outside = (await call(ws, 'series.slices', {
        seriesId: series.seriesId,
        first: 110,
        count: 3,
      })) as {
        ok: false;
        error: { code: string; message: string };
      };
      expect(outside.error.code).toBe('bad-input');
      expect(outside.error.message).toMatch(/slices 110…112 are outside 0…111/);

      // The page fetches slices as HTTP bodies: the same bytes, behind the same token, the same errors.
      const cookie = { Cookie: `csam_token=${shell.token}` };
      const url = `${shell.origin}/api/series-slices?seriesId=${series.seriesId}&first=50&count=3`;
      expect((await fetch(url)).status).toBe(401);
      const http = await fetch(url, { headers: cookie });
      expect(http.status).toBe(200);
      expect(http.headers.get('x-voxel-type')).toBe(series.voxelType);
      const body = new Uint8Array(await http.arrayBuffer());
      const wire = chunk.result.voxels;
      expect(Buffer.from(body).equals(Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength))).toBe(true);
      const refused = await fetch(url.replace('first=50', 'first=110'), { headers: cookie });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/outside/);
      const recent = (await call(ws, 'studies.recent', {})) as {
        ok: true;
        result: { items: { paths: string[] }[] };
      };
      expect(recent.result.items[0].paths).toEqual([info.result.sampleStudy.image]);
    });

    it('answers the open of a JPEG 2000 series before its frames are decoded, and each slice once it is', async () => {
      requireTools(['gdcmconv']);
      const folder = jpeg2000Series(join(shell.dataDir, 'j2k-series'), 48);
      const opened = (await call(ws, 'studies.open', { paths: [folder] })) as {
        ok: true;
        result: OpenResult;
      };
      const [series] = opened.result.series;
      expect(series.dims).toEqual([512, 512, 48]);
      // Answered while decoding: the range is the one the headers allow, not yet the measured one.
      expect(series.valueRangeDeclared).toBe(true);
      const cookie = { Cookie: `csam_token=${shell.token}` };
      // Far from the middle, where decoding started: the answer waits for those frames, then is exact.
      for (const first of [24, 0, 45]) {
        const url = `${shell.origin}/api/series-slices?seriesId=${series.seriesId}&first=${first}&count=3`;
        const voxels = new Int16Array(await (await fetch(url, { headers: cookie })).arrayBuffer());
        for (let k = 0; k < 3; k++) {
          const slice = voxels.subarray(k * 512 * 512, (k + 1) * 512 * 512);
          expect([slice[0], slice[1], slice[512 * 512 - 1]]).toEqual(jpeg2000SliceCorners(first + k));
        }
      }
      const range = (await call(ws, 'series.valueRange', { seriesId: series.seriesId })) as {
        ok: true;
        result: { valueRange: [number, number] };
      };
      expect(range.result.valueRange).toEqual([-1000, 47 * 10 + 2000]);
      expect(await call(ws, 'series.close', { seriesId: series.seriesId })).toMatchObject({ ok: true });
    }, 180_000);

    it('names the file and the problem when a file is broken', async () => {
      const broken = join(shell.dataDir, 'broken.nii.gz');
      writeFileSync(broken, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]));
      const opened = (await call(ws, 'studies.open', { paths: [broken] })) as {
        ok: true;
        result: OpenResult;
      };
      expect(opened.result.series).toEqual([]);
      expect(opened.result.errors[0].file).toBe(broken);
      expect(opened.result.errors[0].message).toContain('broken.nii.gz');
    });

    it('says what a DICOM SEG opened without its images is', async () => {
      const seg = join(repoRoot, '..', 'shared', 'data', 'highdicom-pydicom', 'seg_image_ct_binary.dcm');
      const opened = (await call(ws, 'studies.open', { paths: [seg] })) as { ok: true; result: OpenResult };
      expect(opened.result.series).toEqual([]);
      expect(opened.result.errors).toEqual([
        {
          file: seg,
          message: expect.stringMatching(
            /seg_image_ct_binary\.dcm: is a DICOM SEG with \d+ segments? referencing series [\d.]+; open it together with its source images/,
          ),
        },
      ]);
    });

    it('lists host folders for the study browser', async () => {
      const listing = (await call(ws, 'files.list', { path: join(repoRoot, 'resources') })) as {
        ok: true;
        result: { entries: { name: string; kind: string }[] };
      };
      expect(listing.result.entries).toContainEqual(
        expect.objectContaining({ name: 'sample', kind: 'directory' }),
      );
    });

    it('loads a label map onto the open image and saves it as NIfTI with the same voxels and grid', async () => {
      const info = (await call(ws, 'app.info', {})) as {
        ok: true;
        result: { sampleStudy: { image: string; labels: string } };
      };
      const opened = (await call(ws, 'studies.open', { paths: [info.result.sampleStudy.image] })) as {
        ok: true;
        result: OpenResult;
      };
      const { seriesId } = opened.result.series[0];
      const loaded = (await call(ws, 'segmentation.load', {
        seriesId,
        paths: [info.result.sampleStudy.labels],
      })) as {
        ok: true;
        result: Segmentation;
      };
      expect(loaded.ok).toBe(true);
      const liver = loaded.result.segments.find((s) => s.name === 'liver')!;
      expect(liver).toMatchObject({ value: 5, layer: 0 });
      const liverVoxels = loaded.result.layers[0].filter((v) => v === 5).length;
      expect(liverVoxels).toBeGreaterThan(1000);

      const out = join(shell.dataDir, 'saved-labels.nii.gz');
      const saved = await call(ws, 'segmentation.save', {
        seriesId,
        path: out,
        format: 'nifti',
        segmentation: loaded.result,
      });
      expect(saved).toMatchObject({ ok: true, result: { path: out } });
      const reloaded = (await call(ws, 'segmentation.load', { seriesId, paths: [out] })) as {
        ok: true;
        result: Segmentation;
      };
      expect(reloaded.result.dims).toEqual([122, 101, 112]);
      expect(reloaded.result.originLps).toEqual(loaded.result.originLps);
      expect(Buffer.from(reloaded.result.layers[0]).equals(Buffer.from(loaded.result.layers[0]))).toBe(true);

      // A DICOM SEG needs a DICOM source: the sample is NIfTI, so the app says so and writes nothing.
      const refused = await call(ws, 'segmentation.save', {
        seriesId,
        path: join(shell.dataDir, 'x.dcm'),
        format: 'dicom-seg',
        segmentation: loaded.result,
      });
      expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/DICOM source/) } });
    });

    it("keeps a study's edits across a restart of the web shell (session autosave)", async () => {
      const layer = new Uint8Array(4 * 3 * 2);
      layer[5] = 7;
      const segmentation = {
        dims: [4, 3, 2],
        spacingMm: [1, 1, 2],
        originLps: [0, 0, 0],
        axesLps: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        layers: [layer],
        segments: [{ value: 7, layer: 0, name: 'liver', colorRgb: [221, 130, 101] }],
      };
      const saved = await call(ws, 'session.save', { key: 'study-1', segmentation });
      expect(saved).toMatchObject({ ok: true });

      // A new web shell on the same data folder is what a crash and a restart look like.
      const restarted = await startWebShell({ dataDir: shell.dataDir });
      try {
        const ws2 = await new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(`${restarted.origin.replace('http', 'ws')}/ws`, {
            headers: { Cookie: `csam_token=${restarted.token}`, Origin: restarted.origin },
          });
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        });
        const restored = (await call(ws2, 'session.restore', { key: 'study-1' })) as {
          ok: true;
          result: { segmentation: Segmentation } | null;
        };
        expect([...restored.result!.segmentation.layers[0]]).toEqual([...layer]);
        expect(restored.result!.segmentation.segments[0].name).toBe('liver');
        expect(await call(ws2, 'session.discard', { key: 'study-1' })).toMatchObject({
          ok: true,
          result: { discarded: true },
        });
        expect(await call(ws2, 'session.restore', { key: 'study-1' })).toMatchObject({
          ok: true,
          result: null,
        });
        ws2.close();
      } finally {
        await restarted.stop();
      }
    });
  });
});
