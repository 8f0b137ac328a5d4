import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../src/shared/volume';
import { surfaceMask } from '../../../src/main/services/metrics';

/** A mask of the voxels with lo ≤ (i, j, k) ≤ hi. */
function box(dims: Vec3, lo: Vec3, hi: Vec3): Uint8Array {
  const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = lo[2]; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      for (let i = lo[0]; i <= hi[0]; i++) mask[i + dims[0] * (j + dims[1] * k)] = 1;
    }
  }
  return mask;
}

describe('surfaceMask', () => {
  it('keeps a cube’s shell and drops its interior', () => {
    const dims: Vec3 = [7, 7, 7];
    const { surface, count } = surfaceMask(box(dims, [1, 1, 1], [5, 5, 5]), dims);
    expect(count).toBe(125 - 27);
    expect(surface[3 + 7 * (3 + 7 * 3)]).toBe(0); // centre
    expect(surface[1 + 7 * (3 + 7 * 3)]).toBe(1); // face centre
    expect(surface.reduce((a, b) => a + b, 0)).toBe(count);
  });

  it('counts only face neighbours: a voxel touching the outside by an edge or corner is interior', () => {
    // A 3×3×3 cube less one corner voxel: the centre touches the removed corner only diagonally.
    const dims: Vec3 = [3, 3, 3];
    const mask = box(dims, [0, 0, 0], [2, 2, 2]);
    mask[0] = 0;
    const padded: Vec3 = [5, 5, 5];
    const inner = new Uint8Array(125);
    for (let n = 0; n < 27; n++) {
      const [i, j, k] = [n % 3, Math.floor(n / 3) % 3, Math.floor(n / 9)];
      inner[i + 1 + 5 * (j + 1 + 5 * (k + 1))] = mask[n];
    }
    const { surface, count } = surfaceMask(inner, padded);
    expect(surface[2 + 5 * (2 + 5 * 2)]).toBe(0);
    expect(count).toBe(25);
  });

  it('counts the volume border as outside the mask', () => {
    expect(surfaceMask(new Uint8Array(64).fill(1), [4, 4, 4]).count).toBe(64 - 8);
    // A single slice is all border.
    expect(surfaceMask(new Uint8Array(30).fill(1), [5, 6, 1]).count).toBe(30);
    expect(surfaceMask(new Uint8Array(27), [3, 3, 3]).count).toBe(0);
  });

  it('refuses a mask that does not fit its dims', () => {
    expect(() => surfaceMask(new Uint8Array(26), [3, 3, 3])).toThrow(RangeError);
  });
});
