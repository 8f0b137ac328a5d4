import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../src/shared/wire';

describe('binary WebSocket frames', () => {
  it('round-trips nested typed arrays of every kind without JSON-encoding their bytes', () => {
    const voxels = new Int16Array([-1024, 0, 3071, 42]);
    const message = {
      kind: 'response',
      id: 7,
      envelope: {
        ok: true,
        result: {
          dims: [2, 2, 1],
          voxels,
          layers: [new Uint8Array([0, 1, 2]), new Uint16Array([300, 0])],
          f: new Float64Array([Math.PI]),
          f32: new Float32Array([1.5, -2.25]),
          u32: new Uint32Array([4294967295]),
          i8: new Int8Array([-128, 127]),
          i32: new Int32Array([-2147483648]),
        },
      },
    };
    const frame = encodeFrame(message);
    // The header must not carry the voxel values as text.
    const header = new TextDecoder().decode(
      frame.subarray(4, 4 + new DataView(frame.buffer).getUint32(0, true)),
    );
    expect(header).not.toContain('3071');
    const back = decodeFrame(frame) as typeof message;
    expect(back).toEqual(message);
    expect(back.envelope.result.voxels).toBeInstanceOf(Int16Array);
    expect(back.envelope.result.layers[1]).toBeInstanceOf(Uint16Array);
  });

  it('keeps a typed array that is a view into a larger buffer to its own bytes', () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const back = decodeFrame(encodeFrame({ bytes: big.subarray(2, 5) })) as { bytes: Uint8Array };
    expect([...back.bytes]).toEqual([1, 2, 3]);
  });

  it('refuses a frame shorter than its header claims', () => {
    const frame = encodeFrame({ a: new Float32Array(1000) });
    expect(() => decodeFrame(frame.subarray(0, 100))).toThrow(/shorter/);
  });
});
