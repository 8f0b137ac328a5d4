import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../src/shared/volume';
import { distanceTransform, squaredDistanceTransform } from '../../../src/main/services/metrics';
import { SHARED_DATA, readFloat64, readLabelMap, runReference, seededRandom, writeBytes } from './helpers';

/** O(voxels × features): the definition itself, for grids small enough to afford it. */
function bruteForce(features: Uint8Array, dims: Vec3, spacing: Vec3): Float64Array {
  const [nx, ny] = dims;
  const at = (n: number): Vec3 => [n % nx, Math.floor(n / nx) % ny, Math.floor(n / (nx * ny))];
  const sites = [...features.keys()].filter((n) => features[n] !== 0).map(at);
  return Float64Array.from(features, (_, n) => {
    const p = at(n);
    let best = Infinity;
    for (const s of sites) {
      const d2 =
        ((p[0] - s[0]) * spacing[0]) ** 2 +
        ((p[1] - s[1]) * spacing[1]) ** 2 +
        ((p[2] - s[2]) * spacing[2]) ** 2;
      if (d2 < best) best = d2;
    }
    return Math.sqrt(best);
  });
}

function randomMask(dims: Vec3, density: number, random: () => number): Uint8Array {
  return Uint8Array.from({ length: dims[0] * dims[1] * dims[2] }, () => (random() < density ? 1 : 0));
}

function maxAbsDifference(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let n = 0; n < a.length; n++) worst = Math.max(worst, Math.abs(a[n] - b[n]));
  return worst;
}

describe('distanceTransform', () => {
  it('is zero on features and the exact distance elsewhere, on small hand cases', () => {
    // One feature in a 5×1×1 row with 0.5 mm spacing.
    expect([...distanceTransform(Uint8Array.of(0, 0, 1, 0, 0), [5, 1, 1], [0.5, 9, 9])]).toEqual([
      1, 0.5, 0, 0.5, 1,
    ]);
    // One feature in the corner of a 2×2×2 grid with spacing (1, 2, 3): √(1+4+9) at the far corner.
    const corner = new Uint8Array(8);
    corner[0] = 1;
    const d = distanceTransform(corner, [2, 2, 2], [1, 2, 3]);
    expect(d[7]).toBeCloseTo(Math.sqrt(14), 14);
    expect(d[6]).toBeCloseTo(Math.sqrt(13), 14);
    expect(squaredDistanceTransform(corner, [2, 2, 2], [1, 2, 3])[5]).toBe(10);
  });

  it('is +Infinity everywhere when there is no feature', () => {
    expect(
      [...distanceTransform(new Uint8Array(12), [2, 3, 2], [1, 1, 1])].every((v) => v === Infinity),
    ).toBe(true);
  });

  it('matches the brute-force definition on random anisotropic grids, thin axes included', () => {
    const random = seededRandom(7);
    const grids: [Vec3, Vec3][] = [
      [
        [9, 7, 6],
        [0.7, 1.3, 2.9],
      ],
      [
        [1, 8, 9],
        [2.5, 0.4, 1.1],
      ],
      [
        [11, 1, 7],
        [0.3, 5, 0.9],
      ],
      [
        [13, 1, 1],
        [1.7, 1, 1],
      ],
      [
        [40, 3, 2],
        [0.9, 1.1, 0.4],
      ],
    ];
    for (const [dims, spacing] of grids) {
      for (const density of [0.01, 0.1, 0.6]) {
        const mask = randomMask(dims, density, random);
        if (!mask.includes(1)) mask[Math.floor(random() * mask.length)] = 1;
        expect(
          maxAbsDifference(distanceTransform(mask, dims, spacing), bruteForce(mask, dims, spacing)),
        ).toBeLessThan(1e-12);
      }
    }
  });

  it('fills and returns the given output buffer, and refuses a mismatched one', () => {
    const out = new Float64Array(8).fill(-1);
    const mask = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
    expect(distanceTransform(mask, [2, 2, 2], [1, 1, 1], out)).toBe(out);
    expect(out[7]).toBeCloseTo(Math.sqrt(3), 14);
    expect(() => distanceTransform(mask, [2, 2, 2], [1, 1, 1], new Float64Array(7))).toThrow(RangeError);
    expect(() => distanceTransform(mask, [2, 2, 3], [1, 1, 1])).toThrow(/need 12/);
    expect(() => distanceTransform(mask, [2, 2, 2], [1, 0, 1])).toThrow(/spacingMm/);
  });
});

describe('distanceTransform against scipy.ndimage.distance_transform_edt', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-edt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  interface Case {
    name: string;
    mask: Uint8Array;
    dims: Vec3;
    spacing: Vec3;
  }

  /** Writes every case, runs scipy once over all of them, and returns its distances. */
  function scipyDistances(cases: Case[]): Float64Array[] {
    const manifest = cases.map((c, n) => {
      writeBytes(join(dir, `mask${n}.u8`), c.mask);
      return {
        mask: join(dir, `mask${n}.u8`),
        dims: c.dims,
        spacing: c.spacing,
        out: join(dir, `edt${n}.f64`),
      };
    });
    writeBytes(join(dir, 'edt.json'), new TextEncoder().encode(JSON.stringify(manifest)));
    runReference(['edt', join(dir, 'edt.json')]);
    return manifest.map((m) => readFloat64(m.out));
  }

  it('agrees to 1e-6 mm on random masks with anisotropic spacing', () => {
    const random = seededRandom(2024);
    const cases: Case[] = [];
    const grids: [Vec3, Vec3][] = [
      [
        [37, 29, 23],
        [0.7, 1.3, 2.9],
      ],
      [
        [64, 48, 20],
        [0.488, 0.488, 5],
      ],
      [
        [20, 31, 45],
        [3.1, 0.25, 1.7],
      ],
    ];
    for (const [dims, spacing] of grids) {
      for (const density of [0.0005, 0.02, 0.3, 0.97]) {
        const mask = randomMask(dims, density, random);
        if (!mask.includes(1)) mask[Math.floor(random() * mask.length)] = 1;
        cases.push({ name: `${dims.join('×')} density ${density}`, mask, dims, spacing });
      }
    }
    const reference = scipyDistances(cases);
    cases.forEach((c, n) => {
      const ours = distanceTransform(c.mask, c.dims, c.spacing);
      expect(maxAbsDifference(ours, reference[n]), c.name).toBeLessThan(1e-6);
    });
  });

  it('agrees to 1e-6 mm on the shared TotalSegmentator label maps, and reports the time taken', () => {
    const seg = readLabelMap(join(SHARED_DATA, 'example_seg.nii.gz'));
    const split = readLabelMap(join(SHARED_DATA, 'example_seg_fast_force_split.nii.gz'));
    expect(split.dims).toEqual([122, 101, 112]);
    const select = (labels: Uint8Array, keep: (v: number) => boolean) =>
      Uint8Array.from(labels, (v) => (keep(v) ? 1 : 0));
    const cases: Case[] = [
      { name: 'seg: body', mask: select(seg.labels, (v) => v !== 0), dims: seg.dims, spacing: seg.spacingMm },
      {
        name: 'seg: label 5',
        mask: select(seg.labels, (v) => v === 5),
        dims: seg.dims,
        spacing: seg.spacingMm,
      },
      {
        name: 'seg: label 13, anisotropic',
        mask: select(seg.labels, (v) => v === 13),
        dims: seg.dims,
        spacing: [0.8, 1.7, 3.1],
      },
      {
        name: 'split: body',
        mask: select(split.labels, (v) => v !== 0),
        dims: split.dims,
        spacing: split.spacingMm,
      },
      {
        name: 'split: background, anisotropic',
        mask: select(split.labels, (v) => v === 0),
        dims: split.dims,
        spacing: [0.7, 0.9, 2.5],
      },
    ];
    const reference = scipyDistances(cases);
    cases.forEach((c, n) => {
      expect(c.mask.includes(1), c.name).toBe(true);
      expect(
        maxAbsDifference(distanceTransform(c.mask, c.dims, c.spacing), reference[n]),
        c.name,
      ).toBeLessThan(1e-6);
    });
  });
});
