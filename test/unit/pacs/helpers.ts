// Shared by the PACS tests: the demo model's segmentation of a retrieved series and what a SEG read
// back from the archive must keep of it, and fault injectors (a server that never answers, a proxy
// that cuts a transfer midway).
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createTcpServer, Socket } from 'node:net';
import { join } from 'node:path';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine, type SegmentResult } from '../../../src/main/services/segmentation/engine';
import type { ModelManifest } from '../../../src/shared/modelManifest';
import type { Segmentation } from '../../../src/shared/volume';
import { repoRoot } from './orthanc';

/** The shipped demo model (abdominal CT organs), the one `segmentation.run` uses by default. */
export const demoModelDir = join(repoRoot, 'models', 'causal-sam-demo');

/**
 * Segments a series with the demo model through the segmentation engine (what the app's worker runs;
 * the worker wrapper itself only loads from the electron-vite bundle). One thread: CI has two cores.
 */
export async function segmentWithDemoModel(
  series: LoadedSeries,
): Promise<{ manifest: ModelManifest; result: SegmentResult }> {
  const manifest = await verifyModel(demoModelDir);
  const engine = await SegmentationEngine.create(demoModelDir, manifest, { intraOpNumThreads: 1 });
  try {
    const volumeKey = series.dicom?.seriesInstanceUid ?? series.path;
    return { manifest, result: await engine.segmentVolume(series.volume, { volumeKey }) };
  } finally {
    await engine.release();
  }
}

/** Each segment's voxels as a 0/1 mask, by segment name (SEG segment numbers need not be the values). */
export function masksByName(segmentation: Segmentation): Map<string, Uint8Array> {
  const masks = new Map<string, Uint8Array>();
  for (const segment of segmentation.segments) {
    const layer = segmentation.layers[segment.layer];
    const mask = masks.get(segment.name) ?? new Uint8Array(layer.length);
    for (let n = 0; n < layer.length; n++) if (layer[n] === segment.value) mask[n] = 1;
    masks.set(segment.name, mask);
  }
  return masks;
}

/** Voxels per segment name, sorted by name: what a volume table shows. */
export function voxelsByName(segmentation: Segmentation): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, mask] of [...masksByName(segmentation)].sort(([a], [b]) => a.localeCompare(b)))
    counts[name] = mask.reduce((sum, v) => sum + v, 0);
  return counts;
}

/** Names whose masks differ voxel for voxel between two segmentations on one grid ([] when none). */
export function differingSegments(a: Segmentation, b: Segmentation): string[] {
  const [ma, mb] = [masksByName(a), masksByName(b)];
  const names = new Set([...ma.keys(), ...mb.keys()]);
  return [...names].filter((name) => {
    const [x, y] = [ma.get(name), mb.get(name)];
    return !x || !y || Buffer.compare(Buffer.from(x), Buffer.from(y)) !== 0;
  });
}

/** A TCP server that accepts connections and never says a word (HTTP or DICOM alike). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/**
 * An HTTP proxy in front of Orthanc that forwards WADO-RS series responses only up to `cutAfter`
 * bytes and then drops the connection: a transfer cut off midway, as a failing network does it.
 */
export async function cuttingProxy(
  target: string,
  cutAfter: number,
): Promise<{ url: string; cuts: () => number; close(): Promise<void> }> {
  const upstream = new URL(target);
  let cuts = 0;
  const server = createHttpServer((req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const isSeries = /\/series\/[0-9.]+$/.test(req.url ?? '') && req.method === 'GET';
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (isSeries && sent + chunk.length > cutAfter) {
            res.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
            cuts += 1;
            answer.destroy();
            res.socket?.destroy();
            return;
          }
          sent += chunk.length;
          res.write(chunk);
        });
        answer.on('end', () => res.end());
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    cuts: () => cuts,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * A TCP proxy in front of Orthanc's DICOM port that passes `cutAfter` bytes from the archive and then
 * drops both connections: a DIMSE retrieve (C-GET brings its instances on the same association) cut
 * off midway, as a failing network does it. Only the first connection is cut.
 */
export async function cuttingTcpProxy(
  port: number,
  cutAfter: number,
): Promise<{ port: number; cuts: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server = createTcpServer((client) => {
    const upstream = new Socket();
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    const cutting = cuts === 0;
    let sent = 0;
    upstream.connect(port, '127.0.0.1');
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (cutting && sent + chunk.length > cutAfter) {
        client.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
        if (cuts === 0) cuts = 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as { port: number }).port,
    cuts: () => cuts,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
