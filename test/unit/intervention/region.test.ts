// The executor without a model (geometric moves) on a synthetic study whose answers can be counted
// by brute force: which voxels may change for each kind of region, and that nothing else does.
import { describe, expect, it } from 'vitest';
import type { InterventionApplyResult } from '../../../src/shared/api';
import type { Intervention } from '../../../src/shared/intervention';
import type { Segmentation, Vec3 } from '../../../src/shared/volume';
import { axisAlignedStudy } from './helpers';
import {
  InterventionError,
  NEAR_MM,
  QUALITATIVE_REACH_MM,
  executeIntervention,
  interventionBand,
  reachOf,
  strengthOf,
} from '../../../src/main/services/intervention/index';

const dims: Vec3 = [40, 40, 30];
const spacing: Vec3 = [1, 1, 2];
const LIVER = 5;
const STOMACH = 6;

/** Liver: a ball of 10 mm at (15, 20, 15); stomach: 6 mm at (29, 20, 15), drawn over the liver. */
function study(): Segmentation {
  const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const ball = (c: Vec3, r: number, v: number) => {
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++) {
          const d = [(i - c[0]) * spacing[0], (j - c[1]) * spacing[1], (k - c[2]) * spacing[2]];
          if (d[0] ** 2 + d[1] ** 2 + d[2] ** 2 <= r * r) labels[i + j * dims[0] + k * dims[0] * dims[1]] = v;
        }
  };
  ball([15, 20, 15], 10, LIVER);
  ball([29, 20, 15], 6, STOMACH);
  return axisAlignedStudy(dims, spacing, labels, { liver: LIVER, stomach: STOMACH });
}

const ijk = (n: number): Vec3 => [
  n % dims[0],
  Math.floor(n / dims[0]) % dims[1],
  Math.floor(n / (dims[0] * dims[1])),
];

/** Brute force: is there a voxel where `inside` holds within `mm` of voxel n? */
function within(n: number, labels: Uint8Array, inside: (v: number) => boolean, mm: number): boolean {
  const [i, j, k] = ijk(n);
  const w = [0, 1, 2].map((a) => Math.ceil(mm / spacing[a]));
  for (let c = Math.max(0, k - w[2]); c <= Math.min(dims[2] - 1, k + w[2]); c++)
    for (let b = Math.max(0, j - w[1]); b <= Math.min(dims[1] - 1, j + w[1]); b++)
      for (let a = Math.max(0, i - w[0]); a <= Math.min(dims[0] - 1, i + w[0]); a++) {
        if (!inside(labels[a + b * dims[0] + c * dims[0] * dims[1]])) continue;
        if (Math.hypot((a - i) * spacing[0], (b - j) * spacing[1], (c - k) * spacing[2]) <= mm) return true;
      }
  return false;
}

function apply(seg: Segmentation, result: InterventionApplyResult): Uint8Array {
  const out = Uint8Array.from(seg.layers[0]);
  result.edit?.indices.forEach((n, c) => (out[n] = result.edit!.after[c]));
  return out;
}

const run = (seg: Segmentation, i: Intervention) => executeIntervention(seg, i, null);

describe('interventions without a model (geometric)', () => {
  it('grows by a distance into background only, on the slices named', async () => {
    const seg = study();
    const labels = seg.layers[0] as Uint8Array;
    const r = await run(seg, {
      action: 'grow',
      target: 'liver',
      region: { slices: { from: 12, to: 16 } },
      magnitude: { unit: 'mm', value: 3 },
    });
    expect(r.method).toBe('geometric');
    expect(r.note).toMatch(/no segmentation model/);
    const expected: number[] = [];
    for (let n = 0; n < labels.length; n++) {
      const k = ijk(n)[2];
      if (labels[n] === 0 && k >= 12 && k <= 16 && within(n, labels, (v) => v === LIVER, 3)) expected.push(n);
    }
    expect(expected.length).toBeGreaterThan(100);
    expect(Array.from(r.edit!.indices)).toEqual(expected);
    expect(r.changes).toEqual([{ name: 'liver', value: LIVER, added: expected.length, removed: 0 }]);
    expect(r.slices).toEqual({ from: 12, to: 16 });
    // The stomach is never eaten by a command about the liver.
    expect(Array.from(r.edit!.before).every((v) => v === 0)).toBe(true);
  });

  it('shrinks by a depth, and undo restores the layer exactly', async () => {
    const seg = study();
    const labels = seg.layers[0] as Uint8Array;
    const r = await run(seg, {
      action: 'shrink',
      target: 'liver',
      region: {},
      magnitude: { unit: 'mm', value: 2 },
    });
    const expected: number[] = [];
    for (let n = 0; n < labels.length; n++) {
      if (labels[n] === LIVER && within(n, labels, (v) => v !== LIVER, 2)) expected.push(n);
    }
    expect(Array.from(r.edit!.indices)).toEqual(expected);
    const after = apply(seg, r);
    const undone = Uint8Array.from(after);
    r.edit!.indices.forEach((n, c) => (undone[n] = r.edit!.before[c]));
    expect(undone).toEqual(labels);
  });

  it('removes a label on a slice range and nothing else', async () => {
    const seg = study();
    const labels = seg.layers[0] as Uint8Array;
    const r = await run(seg, { action: 'remove', target: 'liver', region: { slices: { from: 0, to: 13 } } });
    expect(r.method).toBe('mask-edit');
    const after = apply(seg, r);
    for (let n = 0; n < labels.length; n++) {
      const expected = labels[n] === LIVER && ijk(n)[2] <= 13 ? 0 : labels[n];
      if (after[n] !== expected) throw new Error(`voxel ${ijk(n).join(',')}: ${after[n]} != ${expected}`);
    }
    expect(r.changes[0].removed).toBeGreaterThan(0);
  });

  it('peels a leak only where the target meets the neighbour', async () => {
    const seg = study();
    const labels = seg.layers[0] as Uint8Array;
    const r = await run(seg, { action: 'shrink', target: 'liver', region: { near: 'stomach' } });
    expect(r.voxelsChanged).toBeGreaterThan(0);
    for (const n of r.edit!.indices) {
      expect(labels[n]).toBe(LIVER);
      expect(within(n, labels, (v) => v === STOMACH, NEAR_MM)).toBe(true);
      expect(within(n, labels, (v) => v !== LIVER, QUALITATIVE_REACH_MM.moderate)).toBe(true);
    }
    // The far side of the liver (x < 8) is untouched.
    expect(Array.from(r.edit!.indices).some((n) => ijk(n)[0] < 8)).toBe(false);
  });

  it('grows a missed lower pole below where the target ends now, not beside it', async () => {
    const seg = study();
    const r = await run(seg, { action: 'grow', target: 'liver', region: { craniocaudal: 'inferior' } });
    expect(r.voxelsChanged).toBeGreaterThan(0);
    // The liver spans z 20..40 mm (k 10..20).
    for (const n of r.edit!.indices) expect(ijk(n)[2]).toBeLessThan(10);
  });

  it('grows a pole by a named size around its lower third too', async () => {
    const seg = study();
    const r = await run(seg, {
      action: 'grow',
      target: 'liver',
      region: { craniocaudal: 'inferior' },
      magnitude: { unit: 'mm', value: 4 },
    });
    const ks = Array.from(r.edit!.indices, (n) => ijk(n)[2]);
    // The lower third ends at z 26.7 mm; below the liver (k < 10) and beside its lower third.
    for (const k of ks) expect(k * spacing[2]).toBeLessThanOrEqual(20 + 20 / 3);
    expect(ks.some((k) => k < 10)).toBe(true);
    expect(ks.some((k) => k >= 10)).toBe(true);
  });

  it('changes the named percentage of the structure, nearest the boundary first', async () => {
    const seg = study();
    const labels = seg.layers[0] as Uint8Array;
    const liver = labels.filter((v) => v === LIVER).length;
    const r = await run(seg, {
      action: 'shrink',
      target: 'liver',
      region: {},
      magnitude: { unit: 'percent', value: 10 },
    });
    expect(r.voxelsChanged).toBe(Math.round(0.1 * liver));
    const grown = await run(seg, {
      action: 'grow',
      target: 'liver',
      region: {},
      magnitude: { unit: 'percent', value: 10 },
    });
    expect(grown.voxelsChanged).toBe(Math.round(0.1 * liver));
  });

  it('keeps to a ball around a point', async () => {
    const seg = study();
    const r = await run(seg, {
      action: 'grow',
      target: 'liver',
      region: { point: { i: 5, j: 20, k: 15, radiusMm: 4 } },
      magnitude: { unit: 'mm', value: 3 },
    });
    expect(r.voxelsChanged).toBeGreaterThan(0);
    for (const n of r.edit!.indices) {
      const [i, j, k] = ijk(n);
      expect(Math.hypot(i - 5, j - 20, (k - 15) * 2)).toBeLessThanOrEqual(4);
    }
  });

  it('says why when nothing is in the region, and refuses a structure that is not there', async () => {
    const seg = study();
    const none = await run(seg, {
      action: 'remove',
      target: 'liver',
      region: { slices: { from: 25, to: 29 } },
    });
    expect(none.edit).toBeNull();
    expect(none.note).toMatch(/holds no liver voxels/);
    await expect(run(seg, { action: 'grow', target: 'spleen', region: {} })).rejects.toThrow(
      InterventionError,
    );
    await expect(run(seg, { action: 'shrink', target: 'liver', region: { near: 'aorta' } })).rejects.toThrow(
      /aorta is not in this segmentation/,
    );
  });

  it('maps magnitudes to reach and strength', () => {
    const i = (m?: Intervention['magnitude'], near?: string): Intervention => ({
      action: 'shrink',
      target: 'liver',
      region: near ? { near } : {},
      magnitude: m,
    });
    expect(reachOf(i({ unit: 'mm', value: 4 }))).toBe(4);
    expect(reachOf(i({ unit: 'qualitative', level: 'marked' }))).toBe(12);
    expect(reachOf(i(undefined, 'stomach'))).toBe(Infinity);
    expect(reachOf(i(undefined, 'stomach'), true)).toBe(QUALITATIVE_REACH_MM.moderate);
    expect(strengthOf({ unit: 'qualitative', level: 'slight' })).toBeLessThan(strengthOf(undefined));
    expect(interventionBand(study(), i({ unit: 'mm', value: 1 })).sliceAxis).toBe(2);
  });
});
