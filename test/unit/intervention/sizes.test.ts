// Named sizes mean what they say: "shrink the liver by 6 mm" moves the whole boundary in the region
// by 6 mm — measured with the exact Euclidean distance transform — within a voxel, on organs of
// several shapes and on isotropic and anisotropic grids, and on the sample CT's real label map.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeIntervention } from '../../../src/main/services/intervention/index';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { labelMapToSegmentation } from '../../../src/main/services/imaging/labelMaps';
import { distanceTransform } from '../../../src/main/services/metrics/index';
import type { Intervention } from '../../../src/shared/intervention';
import type { Segmentation, Vec3 } from '../../../src/shared/volume';
import { axisAlignedStudy } from './helpers';

const ORGAN = 5;
const NEIGHBOUR = 6;

/** An ellipsoid organ (radii in mm) with a neighbour ball touching it, on a grid of `spacing`. */
function study(spacing: Vec3, radii: Vec3): Segmentation {
  const dims = [0, 1, 2].map((a) => Math.ceil((2 * radii[a] + 40) / spacing[a])) as Vec3;
  const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const c = dims.map((d, a) => ((d - 1) / 2) * spacing[a]);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const p = [i * spacing[0] - c[0], j * spacing[1] - c[1], k * spacing[2] - c[2]];
        const n = i + j * dims[0] + k * dims[0] * dims[1];
        if ((p[0] / radii[0]) ** 2 + (p[1] / radii[1]) ** 2 + (p[2] / radii[2]) ** 2 <= 1) labels[n] = ORGAN;
        else if (Math.hypot(p[0] - radii[0] - 6, p[1], p[2]) <= 8) labels[n] = NEIGHBOUR;
      }
  return axisAlignedStudy(dims, spacing, labels, { liver: ORGAN, stomach: NEIGHBOUR });
}

const sized = (action: 'grow' | 'shrink', target: string, mm: number): Intervention => ({
  action,
  target,
  region: {},
  magnitude: { unit: 'mm', value: mm },
});

function applied(seg: Segmentation, edit: { indices: Uint32Array; after: Uint16Array } | null) {
  const out = Uint16Array.from(seg.layers[0]);
  edit?.indices.forEach((n, c) => (out[n] = edit.after[c]));
  return out;
}

/** Voxels of `mask` with a 6-neighbour outside it: its surface (the grid's edge is not a boundary). */
function surface(mask: (n: number) => boolean, dims: Vec3): number[] {
  const out: number[] = [];
  const [nx, ny, nz] = dims;
  const steps = [1, nx, nx * ny];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const n = i + j * nx + k * nx * ny;
        if (!mask(n)) continue;
        const at = [i, j, k];
        const open = steps.some(
          (s, a) => (at[a] > 0 && !mask(n - s)) || (at[a] < dims[a] - 1 && !mask(n + s)),
        );
        if (open) out.push(n);
      }
  return out;
}

/**
 * Shrink by d: every removed voxel lies within d of the old outside, and the new surface lies
 * between d and d + one voxel from it (the boundary moved by d, within a voxel).
 */
async function expectShrinkBy(seg: Segmentation, target: string, value: number, d: number) {
  const { dims, spacingMm } = seg;
  const before = seg.layers[0];
  const r = await executeIntervention(seg, sized('shrink', target, d), null);
  const after = applied(seg, r.edit);
  const outside = distanceTransform(
    Uint8Array.from(before, (v) => (v === value ? 0 : 1)),
    dims,
    spacingMm,
  );
  const voxel = Math.max(...spacingMm);
  let removed = 0;
  let tooDeep = 0;
  for (let n = 0; n < before.length; n++) {
    if (before[n] === value && after[n] !== value) {
      removed++;
      if (outside[n] > d + 1e-4) tooDeep++;
    }
  }
  expect(removed).toBeGreaterThan(0);
  expect(tooDeep).toBe(0);
  const depths = surface((v) => after[v] === value, dims).map((n) => outside[n]);
  expect(Math.min(...depths)).toBeGreaterThan(d);
  expect(Math.max(...depths)).toBeLessThanOrEqual(d + voxel + 1e-4);
  return removed;
}

describe('named sizes move the whole boundary by that distance', () => {
  const grids: [string, Vec3][] = [
    ['1 mm isotropic', [1, 1, 1]],
    ['0.8 × 0.8 × 2.5 mm', [0.8, 0.8, 2.5]],
    ['1.5 × 1.5 × 5 mm', [1.5, 1.5, 5]],
    ['3 mm isotropic', [3, 3, 3]],
  ];
  const organs: [string, Vec3][] = [
    ['a liver-sized ellipsoid', [40, 30, 35]],
    ['a kidney-sized ellipsoid', [20, 25, 30]],
  ];
  for (const [grid, spacing] of grids) {
    for (const [organ, radii] of organs) {
      it(`shrinks ${organ} on a ${grid} grid by 3, 6 and 9 mm`, async () => {
        const seg = study(spacing, radii);
        const counts = [];
        for (const d of [3, 6, 9]) counts.push(await expectShrinkBy(seg, 'liver', ORGAN, d));
        expect(counts[0]).toBeLessThan(counts[1]);
        expect(counts[1]).toBeLessThan(counts[2]);
      });
    }
    it(`grows by 3, 6 and 9 mm into background only on a ${grid} grid`, async () => {
      const seg = study(spacing, [20, 25, 30]);
      const { dims, spacingMm } = seg;
      const before = seg.layers[0];
      const toOrgan = distanceTransform(
        Uint8Array.from(before, (v) => (v === ORGAN ? 1 : 0)),
        dims,
        spacingMm,
      );
      for (const d of [3, 6, 9]) {
        const r = await executeIntervention(seg, sized('grow', 'liver', d), null);
        const after = applied(seg, r.edit);
        let wrong = 0;
        for (let n = 0; n < before.length; n++) {
          if (before[n] === NEIGHBOUR && after[n] !== NEIGHBOUR) wrong++;
          // Exactly the background within d of the organ joins it.
          if (before[n] === 0 && (after[n] === ORGAN) !== toOrgan[n] <= d) wrong++;
        }
        expect(wrong).toBe(0);
      }
    });
  }

  it('on the sample CT (3 mm voxels), 3 mm off the liver is one layer of voxels, and 6 and 9 mm go deeper', async () => {
    const root = process.cwd();
    const seg = labelMapToSegmentation(
      (await loadPaths([join(root, 'resources/sample/example_ct_labels.nii.gz')])).series[0].volume,
    );
    const labels = seg.layers[0];
    const dims = seg.dims;
    for (const name of ['liver', 'spleen', 'kidney_left']) {
      const value = seg.segments.find((s) => s.name === name)!.value;
      // A one-voxel (6-neighbour) erosion: what 3 mm means on a 3 mm grid.
      const layer = surface((n) => labels[n] === value, dims).length;
      const removed = [];
      for (const d of [3, 6, 9]) removed.push(await expectShrinkBy(seg, name, value, d));
      expect(removed[0]).toBe(layer);
      expect(removed[1]).toBeGreaterThan(removed[0]);
      expect(removed[2]).toBeGreaterThan(removed[1]);
    }
  }, 120_000);

  it('moves the nearest layer for a size below one voxel (2 mm on 3 mm voxels), never nothing', async () => {
    const seg = labelMapToSegmentation(
      (await loadPaths([join(process.cwd(), 'resources/sample/example_ct_labels.nii.gz')])).series[0].volume,
    );
    const value = seg.segments.find((s) => s.name === 'spleen')!.value;
    const layer = surface((n) => seg.layers[0][n] === value, seg.dims).length;
    const r = await executeIntervention(seg, sized('shrink', 'spleen', 2), null);
    expect(r.edit?.indices.length).toBe(layer);
    expect(r.summary).not.toMatch(/no spleen voxels/);
  });
});
