import { describe, expect, it } from 'vitest';
import { compactViews } from '../../../src/main/ipcPayload';

describe('compactViews', () => {
  it('gives a view into a large volume a buffer of its own, so IPC copies only its bytes', () => {
    const volume = new Int16Array(1000).map((_, n) => n);
    const envelope = {
      ok: true,
      result: { seriesId: 's', first: 2, count: 1, voxels: volume.subarray(200, 300) },
    };
    const compact = compactViews(envelope);
    expect(compact.result.voxels.buffer.byteLength).toBe(200);
    expect([...compact.result.voxels]).toEqual([...volume.subarray(200, 300)]);
    expect(compact.result.seriesId).toBe('s');
  });

  it('leaves whole arrays and plain data as they are (no copies)', () => {
    const whole = new Uint8Array(64);
    const envelope = { ok: true, result: { layers: [whole], segments: [{ value: 1, name: 'liver' }] } };
    expect(compactViews(envelope)).toBe(envelope);
    const nested = [{ a: new Float32Array(8).subarray(2, 4) }];
    const out = compactViews(nested);
    expect(out).not.toBe(nested);
    expect(out[0].a.buffer.byteLength).toBe(8);
  });
});
