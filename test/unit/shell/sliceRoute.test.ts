import { describe, expect, it } from 'vitest';
import type { SliceChunk } from '../../../src/shared/api';
import { sliceEnvelope, sliceRequestOf, sliceResponse, sliceUrl } from '../../../src/shared/sliceRoute';

/** What fetch would hand the page for a response with these headers and body. */
function responseOf(status: number, headers: Record<string, string>, body: Uint8Array) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    ok: status >= 200 && status < 300,
    headers: { get: (name: string) => lower[name.toLowerCase()] ?? null },
    arrayBuffer: async () => body.slice().buffer,
    text: async () => new TextDecoder().decode(body),
  };
}

describe('the slices route', () => {
  it('carries a request through its URL, numbers as numbers and nonsense as NaN for the validator', () => {
    const url = new URL(sliceUrl({ seriesId: 'a b&c', first: 12, count: 3 }), 'http://127.0.0.1');
    expect(sliceRequestOf(url)).toEqual({ seriesId: 'a b&c', first: 12, count: 3 });
    url.searchParams.set('first', '-1');
    expect(sliceRequestOf(url).first).toBeNaN();
  });

  it('sends the voxels as their own bytes and gives them back as the same typed array', async () => {
    const voxels = new Int16Array([-1024, 0, 3071, -5, 7, 9]).subarray(2);
    const chunk: SliceChunk = { seriesId: 's', first: 4, count: 2, voxels };
    const { headers, body } = sliceResponse(chunk);
    expect(body.buffer).toBe(voxels.buffer);
    expect(headers['Content-Length']).toBe('8');
    const envelope = await sliceEnvelope(
      { seriesId: 's', first: 4, count: 2 },
      responseOf(200, headers, body),
    );
    expect(envelope.ok).toBe(true);
    const result = (envelope as { result: SliceChunk }).result;
    expect(result.voxels).toBeInstanceOf(Int16Array);
    expect([...result.voxels]).toEqual([3071, -5, 7, 9]);
  });

  it('passes the contract error through, and names a broken answer plainly', async () => {
    const error = { ok: false, error: { code: 'bad-input', message: 'slices 110…112 are outside 0…111' } };
    const refused = responseOf(400, {}, new TextEncoder().encode(JSON.stringify(error)));
    expect(await sliceEnvelope({ seriesId: 's', first: 110, count: 3 }, refused)).toEqual(error);
    const garbled = responseOf(502, {}, new TextEncoder().encode('<html>proxy error</html>'));
    expect(await sliceEnvelope({ seriesId: 's', first: 0, count: 1 }, garbled)).toMatchObject({
      ok: false,
      error: { message: 'the workstation refused the request' },
    });
    const untyped = responseOf(200, {}, new Uint8Array(4));
    expect(await sliceEnvelope({ seriesId: 's', first: 0, count: 1 }, untyped)).toMatchObject({ ok: false });
  });
});
