// Encapsulated pixel data found in place: only a top-level PixelData that ends the file is taken,
// its fragments as views on the file (no copies); anything else is left to the full parse.
import { describe, expect, it } from 'vitest';
import { trailingFragments } from '../../../src/main/services/imaging/dicom/encapsulated';

const pixelData = [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff];
const item = (body: number[]) => [0xfe, 0xff, 0x00, 0xe0, ...u32(body.length), ...body];
const delimiter = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
function u32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}
const file = (...parts: number[][]) => Uint8Array.from([...new Array(132).fill(0), ...parts.flat()]);

describe('trailingFragments', () => {
  it('returns the fragments after the offset table, as views on the file', () => {
    const bytes = file(pixelData, item([]), item([0xff, 0x4f, 1, 2]), item([3, 4]), delimiter);
    const fragments = trailingFragments(bytes)!;
    expect(fragments.map((f) => [...f])).toEqual([
      [0xff, 0x4f, 1, 2],
      [3, 4],
    ]);
    expect(fragments[0].buffer).toBe(bytes.buffer);
  });

  it('skips an earlier pixel data (an icon) that does not end the file', () => {
    const icon = [...pixelData, ...item([]), ...item([9, 9]), ...delimiter];
    const bytes = file(icon, [0x88, 0x00, 0x00, 0x02], pixelData, item([]), item([7, 7]), delimiter);
    expect(trailingFragments(bytes)?.map((f) => [...f])).toEqual([[7, 7]]);
  });

  it('leaves to the full parse pixel data followed by other elements, or cut short', () => {
    expect(
      trailingFragments(file(pixelData, item([]), item([1, 2]), delimiter, [0xfc, 0xff, 0xfc, 0xff])),
    ).toBe(undefined);
    expect(trailingFragments(file(pixelData, item([]), item([1, 2])))).toBe(undefined);
    expect(trailingFragments(file(pixelData, item([]), [0xfe, 0xff, 0x00, 0xe0, ...u32(100), 1, 2]))).toBe(
      undefined,
    );
  });
});
