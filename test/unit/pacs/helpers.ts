// Shared by the PACS tests: a threshold mask that stands in for the model's output, and fault
// injectors (a server that never answers, a proxy that cuts a transfer midway).
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import type { Segmentation } from '../../../src/shared/volume';

/** A one-segment mask of the brightest voxels: the segmentation model is not built yet. */
export function thresholdMask(series: LoadedSeries): Segmentation {
  const { volume } = series;
  const voxels = volume.voxels as ArrayLike<number>;
  let max = -Infinity;
  for (let i = 0; i < voxels.length; i++) if (voxels[i] > max) max = voxels[i];
  const mask = new Uint8Array(voxels.length);
  for (let i = 0; i < voxels.length; i++) mask[i] = voxels[i] > 0.5 * max ? 1 : 0;
  return {
    dims: volume.dims,
    spacingMm: volume.spacingMm,
    originLps: volume.originLps,
    axesLps: volume.axesLps,
    layers: [mask],
    segments: [{ value: 1, layer: 0, name: 'bright_region', colorRgb: [255, 200, 0] }],
  };
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
