// The region language for pieces and relabels, executed: "remove the stray blob" takes only the
// pieces away from the main body (never the body), "this piece" the one at the cursor, and a
// relabel moves the voxels from one structure to the other in one edit.
import { describe, expect, it } from 'vitest';
import {
  connectedComponents,
  reachableFromBoundary,
} from '../../../src/main/services/intervention/components';
import { InterventionError, executeIntervention } from '../../../src/main/services/intervention/index';
import type { Segmentation, Vec3 } from '../../../src/shared/volume';
import { axisAlignedStudy } from './helpers';

const dims: Vec3 = [30, 30, 20];
const LIVER = 5;
const PANCREAS = 10;

/** A liver box, a pancreas box, and two stray liver islands (one touching the pancreas). */
function study(): Segmentation {
  const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const box = (lo: Vec3, hi: Vec3, v: number) => {
    for (let k = lo[2]; k < hi[2]; k++)
      for (let j = lo[1]; j < hi[1]; j++)
        for (let i = lo[0]; i < hi[0]; i++) labels[i + j * dims[0] + k * dims[0] * dims[1]] = v;
  };
  box([2, 2, 2], [14, 14, 14], LIVER);
  box([18, 18, 4], [26, 24, 10], PANCREAS);
  box([20, 4, 4], [23, 7, 6], LIVER); // island far from everything: 18 voxels
  box([18, 24, 6], [21, 27, 8], LIVER); // island against the pancreas: 18 voxels
  return axisAlignedStudy(dims, [1, 1, 2], labels, { liver: LIVER, pancreas: PANCREAS });
}

describe('pieces of a structure', () => {
  it('finds 26-connected pieces and the largest', () => {
    // Two voxels touching by a corner are one piece; a third apart is another.
    const mask = new Uint8Array(27);
    mask[0] = 1;
    mask[13] = 1; // (1,1,1): corner neighbour of (0,0,0)
    mask[8] = 1; // (2,2,0): corner of (1,1,1) as well
    mask[20] = 0;
    const c = connectedComponents(mask, [3, 3, 3]);
    expect(c.sizes.slice(1)).toEqual([3]);
    const apart = new Uint8Array(27);
    apart[0] = 1;
    apart[1] = 1;
    apart[26] = 1;
    const d = connectedComponents(apart, [3, 3, 3]);
    expect(d.sizes.slice(1)).toEqual([2, 1]);
    expect(d.main).toBe(1);
  });

  it('"remove the stray liver blob" removes the islands and never the main body', async () => {
    const seg = study();
    const r = await executeIntervention(
      seg,
      { action: 'remove', target: 'liver', region: { component: 'stray' } },
      null,
    );
    expect(r.voxelsChanged).toBe(36);
    expect(r.changes).toEqual([{ name: 'liver', value: LIVER, added: 0, removed: 36 }]);
    // The main body (12³ voxels) is untouched.
    const after = Uint8Array.from(seg.layers[0]);
    r.edit!.indices.forEach((n, c) => (after[n] = r.edit!.after[c]));
    expect(after.filter((v) => v === LIVER).length).toBe(12 ** 3);
  });

  it('says so when the structure is one piece, and refuses to call the main body a stray piece', async () => {
    const seg = study();
    const r = await executeIntervention(
      seg,
      { action: 'remove', target: 'pancreas', region: { component: 'stray' } },
      null,
    );
    expect(r.edit).toBeNull();
    expect(r.note).toBe('nothing to change: the pancreas is one piece: nothing stray to change');
    await expect(
      executeIntervention(
        seg,
        {
          action: 'remove',
          target: 'liver',
          region: { component: 'pointed', point: { i: 8, j: 8, k: 8, radiusMm: 15 } },
        },
        null,
      ),
    ).rejects.toThrow(InterventionError);
  });

  it('"this piece" with the cursor beside an island removes that island only', async () => {
    const seg = study();
    const r = await executeIntervention(
      seg,
      {
        action: 'remove',
        target: 'liver',
        region: { component: 'pointed', point: { i: 24, j: 5, k: 5, radiusMm: 15 } },
      },
      null,
    );
    expect(r.voxelsChanged).toBe(18);
    expect(r.slices).toEqual({ from: 4, to: 5 });
  });

  it('"take the pancreas out of the liver" relabels the stray liver pieces as pancreas, in one edit', async () => {
    const seg = study();
    const r = await executeIntervention(
      seg,
      { action: 'relabel', target: 'pancreas', from: 'liver', region: { component: 'stray' } },
      null,
    );
    expect(r.method).toBe('mask-edit');
    expect(r.summary).toBe('Relabel liver as pancreas · stray pieces only');
    expect(r.changes).toEqual([
      { name: 'liver', value: LIVER, added: 0, removed: 36 },
      { name: 'pancreas', value: PANCREAS, added: 36, removed: 0 },
    ]);
    expect(Array.from(r.edit!.after).every((v) => v === PANCREAS)).toBe(true);
    // Undo is the same edit backwards: every voxel back to liver.
    expect(Array.from(r.edit!.before).every((v) => v === LIVER)).toBe(true);
  });
});

describe('the front of a change', () => {
  it('reaches band voxels through faces from the boundary only, never across a row or slice edge', () => {
    // A 4 × 4 × 2 grid; the structure is voxel 0. Band: 1, 2, 3 (the rest of row 0), 4 (row 1's
    // first voxel, above 0: next in memory to 3 but not its neighbour), 16 (the next slice) and 10
    // (touching none of them).
    const dims: Vec3 = [4, 4, 2];
    const band = [1, 2, 3, 4, 10, 16];
    const allowed = Uint8Array.from(band, () => 1);
    const reached = reachableFromBoundary(band, allowed, dims, (n) => n === 0);
    expect(band.filter((_, c) => reached[c])).toEqual([1, 2, 3, 4, 16]);
    // Block the row at 2: 3 is cut off, though 4 (reached) lies next to it in memory.
    allowed[1] = 0;
    const blocked = reachableFromBoundary(band, allowed, dims, (n) => n === 0);
    expect(band.filter((_, c) => blocked[c])).toEqual([1, 4, 16]);
  });
});
