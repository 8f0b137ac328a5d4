// The contract's bulk methods over a real MessagePort pair (Node's, the same structured clone as the
// page's): each answer reaches its own request, voxels arrive whole, other methods are refused.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/shared/api';
import { portInvoker, servePort, type PortEnd } from '../../../src/shared/portTransport';

const channels: MessageChannel[] = [];
afterEach(() => channels.splice(0).forEach((c) => c.port1.close()));

function ends(): [PortEnd, PortEnd] {
  const channel = new MessageChannel();
  channels.push(channel);
  const end = (port: typeof channel.port1): PortEnd => ({
    send: (message) => port.postMessage(message),
    listen: (handler) => port.on('message', handler),
  });
  return [end(channel.port1), end(channel.port2)];
}

describe('contract over a port', () => {
  it('answers each slices request with its own voxels, however the answers are ordered', async () => {
    const [server, client] = ends();
    const slice = (k: number) => new Int16Array(512 * 512).fill(1000 + k);
    servePort(server, async (_method, request) => {
      const { first } = request as { first: number };
      // Later requests answered first: the ids, not the order, pair answers with requests.
      await new Promise((resolve) => setTimeout(resolve, 30 - 10 * first));
      return { ok: true, result: { seriesId: 's', first, count: 1, voxels: slice(first) } };
    });
    const invoke = portInvoker(Promise.resolve(client));
    const answers = await Promise.all(
      [0, 1, 2].map((first) => invoke('series.slices', { seriesId: 's', first, count: 1 })),
    );
    answers.forEach((answer, first) => {
      expect(answer.ok).toBe(true);
      const voxels = (answer as Extract<Envelope, { ok: true }>).result as { voxels: Int16Array };
      expect(voxels.voxels).toBeInstanceOf(Int16Array);
      expect(voxels.voxels.length).toBe(512 * 512);
      expect(voxels.voxels.every((v) => v === 1000 + first)).toBe(true);
    });
  });

  it('refuses methods that are not bulk ones, and passes errors through as envelopes', async () => {
    const [server, client] = ends();
    servePort(server, async () => ({
      ok: false,
      error: { code: 'bad-input', message: '/ct: is still loading' },
    }));
    const invoke = portInvoker(Promise.resolve(client));
    expect(await invoke('studies.open', { paths: ['/ct'] })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await invoke('series.slices', { seriesId: 's', first: 0, count: 1 })).toEqual({
      ok: false,
      error: { code: 'bad-input', message: '/ct: is still loading' },
    });
  });
});
