import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../src/shared/volume';
import {
  compareLabelMaps,
  compareMasks,
  percentileLinear,
  volumeMl,
  type LabelComparison,
} from '../../../src/main/services/metrics';
import { SHARED_DATA, randomBlobs, readLabelMap, runReference, seededRandom, writeBytes } from './helpers';

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

describe('compareMasks on hand-computed cases', () => {
  it('two 3×3×3 cubes four voxels apart along i: HD95 = 4·sx, ASSD = 3·sx', () => {
    // Every surface voxel's nearest surface voxel on the other cube is straight along i, on its
    // facing side. Per cube, by i layer: 9 face voxels at 4, 8 ring voxels at 3, 9 face voxels at 2
    // steps. Union: 18×2, 16×3, 18×4 (n = 52); h = 0.95·51 = 48.45 falls among the 4s; the mean is
    // (36 + 48 + 72)/52 = 3 steps.
    const dims: Vec3 = [12, 7, 7];
    const spacing: Vec3 = [0.8, 1.1, 1.7];
    const result = compareMasks(box(dims, [1, 2, 2], [3, 4, 4]), box(dims, [5, 2, 2], [7, 4, 4]), {
      dims,
      spacingMm: spacing,
    });
    expect(result.dice).toBe(0);
    expect(result.hd95Mm).toBeCloseTo(4 * 0.8, 12);
    expect(result.assdMm).toBeCloseTo(3 * 0.8, 12);
    expect(result.predVoxels).toBe(27);
    expect(result.refVoxels).toBe(27);
  });

  it('a voxel and a line of ten: HD95 interpolates between order statistics, ASSD pools both directions', () => {
    // Along k (2 mm): pred at k = 0, ref at k = 1..10, all surface. Distances in steps: pred→ref 1;
    // ref→pred 1..10. Sorted union [1, 1, 2, …, 10], h = 0.95·10 = 9.5 → 9.5 steps = 19 mm.
    // ASSD = (1 + 55)/11 steps; medpy's mean of directed means would give (1 + 5.5)/2 instead.
    const dims: Vec3 = [3, 3, 11];
    const spacing: Vec3 = [0.5, 0.7, 2];
    const result = compareMasks(box(dims, [1, 1, 0], [1, 1, 0]), box(dims, [1, 1, 1], [1, 1, 10]), {
      dims,
      spacingMm: spacing,
    });
    expect(result.hd95Mm).toBeCloseTo(19, 12);
    expect(result.assdMm).toBeCloseTo((56 / 11) * 2, 12);
  });

  it('a 3³ cube inside a 5³ cube: distances 1, √2 and √3 voxels; Dice from the counts', () => {
    // Inner surface (26 voxels) → outer shell: 1 step each. Outer shell (98) → inner cube: 1 step
    // from 54 face voxels, √2 from 36 edge voxels, √3 from 8 corners. n = 124, h = 116.85: both
    // neighbours are corners (indices 116..123).
    const dims: Vec3 = [9, 9, 9];
    const s = 1.5;
    const result = compareMasks(box(dims, [3, 3, 3], [5, 5, 5]), box(dims, [2, 2, 2], [6, 6, 6]), {
      dims,
      spacingMm: [s, s, s],
    });
    expect(result.dice).toBeCloseTo(54 / 152, 14);
    expect(result.hd95Mm).toBeCloseTo(Math.sqrt(3) * s, 12);
    expect(result.assdMm).toBeCloseTo(((80 + 36 * Math.SQRT2 + 8 * Math.sqrt(3)) / 124) * s, 12);
  });

  it('masks cut by the volume border keep their border faces as surface', () => {
    // Slabs i = 0..1 (pred) and i = 0..2 (ref) across a 4×3×3 volume, spacing (2, 1, 1) mm. All 18
    // pred voxels are surface; ref's are all but (1,1,1), which is enclosed. pred→ref: 0, except
    // (1,1,1) whose nearest ref surface voxel is a j or k neighbour, 1 mm away. ref→pred: 0, except
    // the nine at i = 2, 2 mm from i = 1. Union (n = 44): 34 zeros, one 1, nine 2s; h = 40.85.
    const dims: Vec3 = [4, 3, 3];
    const result = compareMasks(box(dims, [0, 0, 0], [1, 2, 2]), box(dims, [0, 0, 0], [2, 2, 2]), {
      dims,
      spacingMm: [2, 1, 1],
    });
    expect(result.hd95Mm).toBeCloseTo(2, 12);
    expect(result.assdMm).toBeCloseTo(19 / 44, 12);
    expect(result.dice).toBeCloseTo(36 / 45, 14);
  });

  it('identical masks: Dice 1, distances 0', () => {
    const dims: Vec3 = [6, 5, 4];
    const mask = box(dims, [1, 1, 1], [4, 3, 2]);
    expect(compareMasks(mask, mask.slice(), { dims, spacingMm: [1, 2, 3] })).toEqual({
      dice: 1,
      hd95Mm: 0,
      assdMm: 0,
      predVoxels: 24,
      refVoxels: 24,
    });
  });

  it('empty masks: both → Dice 1, distances 0; one → Dice 0, distances ∞, serialised as null', () => {
    const dims: Vec3 = [4, 4, 4];
    const geometry = { dims, spacingMm: [1, 1, 1] as Vec3 };
    const empty = new Uint8Array(64);
    expect(compareMasks(empty, empty, geometry)).toEqual({
      dice: 1,
      hd95Mm: 0,
      assdMm: 0,
      predVoxels: 0,
      refVoxels: 0,
    });
    const oneSided = compareMasks(empty, box(dims, [1, 1, 1], [2, 2, 2]), geometry);
    expect(oneSided).toEqual({ dice: 0, hd95Mm: Infinity, assdMm: Infinity, predVoxels: 0, refVoxels: 8 });
    expect(JSON.parse(JSON.stringify(oneSided))).toEqual({
      dice: 0,
      hd95Mm: null,
      assdMm: null,
      predVoxels: 0,
      refVoxels: 8,
    });
    expect(compareMasks(box(dims, [0, 0, 0], [0, 0, 0]), empty, geometry).hd95Mm).toBe(Infinity);
  });

  it('treats any non-zero value as inside and refuses mismatched arrays', () => {
    const dims: Vec3 = [3, 3, 3];
    const a = box(dims, [0, 0, 0], [1, 1, 1]);
    const b = a.map((v) => v * 7);
    expect(compareMasks(a, b, { dims, spacingMm: [1, 1, 1] }).dice).toBe(1);
    expect(() => compareMasks(a, new Uint8Array(26), { dims, spacingMm: [1, 1, 1] })).toThrow(
      /ref has 26 voxels/,
    );
  });
});

describe('compareLabelMaps', () => {
  const dims: Vec3 = [8, 6, 5];
  const geometry = { dims, spacingMm: [0.9, 1.2, 2.5] as Vec3 };
  const random = seededRandom(11);
  const pred = Uint16Array.from({ length: 240 }, () => Math.floor(random() * 4) * 100);
  const ref = Uint16Array.from({ length: 240 }, () => Math.floor(random() * 4) * 100);

  it('compares every non-zero label present, each as compareMasks would', () => {
    const results = compareLabelMaps(pred, ref, geometry);
    expect(results.map((r) => r.label)).toEqual([100, 200, 300]);
    for (const r of results) {
      const asMasks = compareMasks(
        Uint8Array.from(pred, (v) => (v === r.label ? 1 : 0)),
        Uint8Array.from(ref, (v) => (v === r.label ? 1 : 0)),
        geometry,
      );
      expect({ ...r, label: undefined }).toEqual({ ...asMasks, label: undefined });
    }
  });

  it('takes an explicit label list, background and absent labels included', () => {
    const [background, absent] = compareLabelMaps(pred, ref, geometry, [0, 7]);
    const bg = compareMasks(
      Uint8Array.from(pred, (v) => (v === 0 ? 1 : 0)),
      Uint8Array.from(ref, (v) => (v === 0 ? 1 : 0)),
      geometry,
    );
    expect(background).toEqual({ label: 0, ...bg });
    expect(absent).toEqual({ label: 7, dice: 1, hd95Mm: 0, assdMm: 0, predVoxels: 0, refVoxels: 0 });
    expect(compareLabelMaps(pred, ref, geometry, [70000])[0].dice).toBe(1);
    expect(() => compareLabelMaps(pred, ref, geometry, [-1])).toThrow(RangeError);
  });

  it('refuses negative labels', () => {
    expect(() =>
      compareLabelMaps(Int16Array.of(0, -2), Int16Array.of(0, 1), { dims: [2, 1, 1], spacingMm: [1, 1, 1] }),
    ).toThrow(/negative/);
  });
});

describe('volumeMl and percentileLinear', () => {
  it('converts voxel counts to millilitres', () => {
    expect(volumeMl(1000, [1, 1, 1])).toBe(1);
    expect(volumeMl(38634, [3, 3, 3])).toBeCloseTo(1043.118, 9);
    expect(volumeMl(0, [0.7, 0.7, 5])).toBe(0);
  });

  it('interpolates like numpy.percentile(method="linear")', () => {
    // numpy.percentile([1, 2, 4, 8], 95) = 4 + 0.85·4 = 7.4; [5] → 5.
    expect(percentileLinear([1, 2, 4, 8], 95)).toBeCloseTo(7.4, 14);
    expect(percentileLinear([5], 95)).toBe(5);
    expect(percentileLinear([1, 3], 100)).toBe(3);
    expect(() => percentileLinear([], 95)).toThrow(RangeError);
  });
});

describe('metrics against the Python reference (numpy/scipy)', () => {
  const refPath = join(SHARED_DATA, 'example_seg.nii.gz');
  let dir = '';
  let predPath = '';
  let perturbation: Record<string, number> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-ref-'));
    predPath = join(dir, 'perturbed_seg.nii.gz');
    perturbation = JSON.parse(runReference(['perturb', refPath, predPath])) as Record<string, number>;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  interface ReferenceResult {
    dims: Vec3;
    spacing: Vec3;
    labels: LabelComparison[];
  }

  function reference(cases: object[]): ReferenceResult[] {
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    return JSON.parse(runReference(['compare', join(dir, 'cases.json')])) as ReferenceResult[];
  }

  /** Same labels in the same order; counts exact; Dice, HD95 and ASSD within 1e-6; ∞ ⇔ null. */
  function expectAgreement(ours: LabelComparison[], theirs: LabelComparison[]): void {
    const serialised = JSON.parse(JSON.stringify(ours)) as LabelComparison[];
    expect(serialised.map((r) => r.label)).toEqual(theirs.map((r) => r.label));
    serialised.forEach((r, n) => {
      const t = theirs[n];
      const what = `label ${r.label}`;
      expect([r.predVoxels, r.refVoxels], what).toEqual([t.predVoxels, t.refVoxels]);
      expect(Math.abs(r.dice - t.dice), what).toBeLessThan(1e-6);
      for (const key of ['hd95Mm', 'assdMm'] as const) {
        if (t[key] === null) expect(r[key], `${what} ${key}`).toBeNull();
        else expect(Math.abs(r[key] - t[key]), `${what} ${key}: ${r[key]} vs ${t[key]}`).toBeLessThan(1e-6);
      }
    });
  }

  it('agrees per label on the TotalSegmentator example vs a perturbed copy (NIfTI in both)', () => {
    const ref = readLabelMap(refPath);
    const pred = readLabelMap(predPath);
    expect(pred.dims).toEqual(ref.dims);

    const [theirs] = reference([{ predNifti: predPath, refNifti: refPath }]);
    expect(ref.dims).toEqual(theirs.dims);
    ref.spacingMm.forEach((s, n) => expect(s).toBeCloseTo(theirs.spacing[n], 5));
    const ours = compareLabelMaps(pred.labels, ref.labels, ref);
    expectAgreement(ours, theirs.labels);

    // The perturbation reached every branch: a dropped and an added label (∞), eroded and shifted ones.
    const byLabel = new Map(ours.map((r) => [r.label, r]));
    expect(byLabel.get(perturbation.dropped)).toMatchObject({ dice: 0, hd95Mm: Infinity, predVoxels: 0 });
    expect(byLabel.get(perturbation.added)).toMatchObject({ dice: 0, assdMm: Infinity, refVoxels: 0 });
    expect(byLabel.get(perturbation.eroded)!.predVoxels).toBeLessThan(
      byLabel.get(perturbation.eroded)!.refVoxels,
    );
    expect(ours.filter((r) => r.dice > 0 && r.dice < 1).length).toBeGreaterThan(30);
  });

  it('agrees on the same label maps with anisotropic spacing, and on random blobs', () => {
    const refLabels = readLabelMap(refPath);
    const predLabels = readLabelMap(predPath);
    writeBytes(join(dir, 'seg_pred.u8'), predLabels.labels);
    writeBytes(join(dir, 'seg_ref.u8'), refLabels.labels);
    const segSpacing: Vec3 = [0.78, 1.32, 2.95];

    const random = seededRandom(99);
    const blobDims: Vec3 = [41, 33, 27];
    const blobSpacing: Vec3 = [0.7, 1.3, 2.9];
    const blobRef = randomBlobs(blobDims, 6, random);
    const blobPred = randomBlobs(blobDims, 7, random);
    writeBytes(join(dir, 'blob_pred.u16'), blobPred);
    writeBytes(join(dir, 'blob_ref.u16'), blobRef);

    const [seg, blobs] = reference([
      {
        pred: join(dir, 'seg_pred.u8'),
        ref: join(dir, 'seg_ref.u8'),
        dtype: 'uint8',
        dims: refLabels.dims,
        spacing: segSpacing,
      },
      {
        pred: join(dir, 'blob_pred.u16'),
        ref: join(dir, 'blob_ref.u16'),
        dtype: 'uint16',
        dims: blobDims,
        spacing: blobSpacing,
      },
    ]);
    expectAgreement(
      compareLabelMaps(predLabels.labels, refLabels.labels, { dims: refLabels.dims, spacingMm: segSpacing }),
      seg.labels,
    );
    const blobResults = compareLabelMaps(blobPred, blobRef, { dims: blobDims, spacingMm: blobSpacing });
    expectAgreement(blobResults, blobs.labels);
    expect(blobResults.some((r) => r.refVoxels === 0)).toBe(true);
  });
});
