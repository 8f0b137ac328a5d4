// The web shell: the built renderer and the contract (binary WebSocket frames) on one loopback port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Events } from '../../shared/api';
import { decodeFrame, encodeFrame } from '../../shared/wire';
import type { Api } from '../api';
import { readStatic } from './staticFiles';
import { serveSlices } from './slices';
import { sliceRoutePrefix } from '../../shared/sliceRoute';
import { allowedHosts, checkRequest, contentSecurityPolicy, newToken, tokenCookie } from './security';

export interface WebShellOptions {
  host: string;
  port: number;
  rendererDir: string;
}

export interface WebShell {
  url: string;
  token: string;
  server: Server;
  broadcast<E extends keyof Events>(event: E, payload: Events[E]): void;
  close(): Promise<void>;
}

/** Large dropped folders travel as one frame; a CT study of a few thousand slices fits. */
const maxFrameBytes = 4 * 1024 ** 3 - 1;

export async function startWebShell(api: () => Api, options: WebShellOptions): Promise<WebShell> {
  const token = newToken();
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  let hosts = new Set<string>();

  const facts = (req: IncomingMessage) => ({
    host: req.headers.host,
    origin: req.headers.origin,
    cookie: req.headers.cookie,
    url: req.url ?? '/',
  });

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const verdict = checkRequest(facts(req), token, hosts);
    res.setHeader('Content-Security-Policy', contentSecurityPolicy());
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    if (!verdict.allowed) {
      res.writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(verdict.reason);
      return;
    }
    if (verdict.setCookie)
      res.setHeader('Set-Cookie', `${tokenCookie}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === sliceRoutePrefix) return serveSlices(api(), url, res);
    const file = await readStatic(options.rendererDir, url.pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type }).end(req.method === 'HEAD' ? undefined : file.body);
  });

  server.on('upgrade', (req, socket, head) => {
    const verdict = checkRequest(facts(req), token, hosts);
    if (!verdict.allowed || new URL(req.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end(`HTTP/1.1 ${verdict.allowed ? 404 : verdict.status} Refused\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', async (data: Buffer, isBinary: boolean) => {
        if (!isBinary) return ws.close(1003, 'binary frames only');
        let message: { kind: string; id: number; method: string; request: unknown };
        try {
          message = decodeFrame(
            new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
          ) as typeof message;
        } catch {
          return ws.close(1007, 'malformed frame');
        }
        const envelope = await api().dispatch(message.method, message.request);
        if (ws.readyState === ws.OPEN) ws.send(encodeFrame({ kind: 'response', id: message.id, envelope }));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(options.host, port);
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    token,
    server,
    broadcast(event, payload) {
      const frame = encodeFrame({ kind: 'event', name: event, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
