// A named size where the error is: "shrink the liver by 6 mm" on a liver drawn with an extra plate
// of fat on one side takes the plate off (6 mm deep, as named) and leaves the rest of the boundary,
// where the grey values confirm the liver's edge; "grow by 6 mm" where the mask missed a cap adds
// the cap and nothing on the other sides, "grow by 12 mm" stops at the liver's edge; with the image
// questioning the whole boundary the size moves all of it, and the answer says which.
import { describe, expect, it } from 'vitest';
import { whereSizeApplies } from '../../../src/main/services/intervention/namedSize';
import { interventionBand } from '../../../src/main/services/intervention/region';
import { intensityContrast, type ImageEvidence } from '../../../src/main/services/intervention/strength';
import type { Intervention } from '../../../src/shared/intervention';
import type { Segmentation, Vec3 } from '../../../src/shared/volume';
import { axisAlignedStudy } from './helpers';

const LIVER = 5;
const LIVER_GREY = 60;
const FAT_GREY = -100;
const SPACING: Vec3 = [3, 3, 3];
const DIMS: Vec3 = [30, 30, 30];
const RADIUS_MM = 30;

const at = (n: number) => [
  n % DIMS[0],
  Math.floor(n / DIMS[0]) % DIMS[1],
  Math.floor(n / (DIMS[0] * DIMS[1])),
];
/** Position (mm) of voxel n from the grid's centre. */
const mm = (n: number) => at(n).map((v, a) => (v - (DIMS[a] - 1) / 2) * SPACING[a]);
const inBall = (n: number) => Math.hypot(...mm(n)) <= RADIUS_MM;
/** Voxels beyond the ball on its +x side, up to 6 mm past it, within 15 mm of the x axis. */
const inPlate = (n: number) => {
  const [x, y, z] = mm(n);
  return !inBall(n) && Math.hypot(y, z) <= 15 && x > 0 && x <= Math.sqrt(RADIUS_MM ** 2 - y * y - z * z) + 6;
};

/** The image: a liver-grey ball in fat. The mask: `drawn`. */
function study(drawn: (n: number) => boolean): { seg: Segmentation; image: Float32Array } {
  const size = DIMS[0] * DIMS[1] * DIMS[2];
  const labels = Uint8Array.from({ length: size }, (_, n) => (drawn(n) ? LIVER : 0));
  const image = Float32Array.from({ length: size }, (_, n) => (inBall(n) ? LIVER_GREY : FAT_GREY));
  return { seg: axisAlignedStudy(DIMS, SPACING, labels, { liver: LIVER }), image };
}

function sized(seg: Segmentation, image: Float32Array, action: 'grow' | 'shrink', value: number) {
  const intervention: Intervention = {
    action,
    target: 'liver',
    region: {},
    magnitude: { unit: 'mm', value },
  };
  const band = interventionBand(seg, intervention);
  const labels = seg.layers[0];
  const evidence: ImageEvidence = {
    indices: band.indices,
    intensity: Float32Array.from(band.indices, (n) => image[n]),
    distanceMm: band.distanceMm,
    inStructure: (n) => labels[n] === LIVER,
    dims: seg.dims,
  };
  const contrast = intensityContrast(image, labels, LIVER, seg.dims)!;
  const choice = whereSizeApplies(action, 'liver', value, evidence, seg.spacingMm, contrast);
  const changed = Array.from(band.indices).filter((_, c) => choice.changes[c]);
  return { choice, changed, band };
}

describe('a named size moves the boundary where the mask and the image disagree', () => {
  it('takes a plate of fat off a liver drawn too big on one side, and nothing else', () => {
    const { seg, image } = study((n) => inBall(n) || inPlate(n));
    const { choice, changed, band } = sized(seg, image, 'shrink', 6);
    const plate = Array.from({ length: image.length }, (_, n) => n).filter(inPlate);
    const removed = new Set(changed);
    // The whole plate goes, and the liver itself (grey-confirmed edge) keeps all but a rim where
    // the plate met it.
    expect(plate.every((n) => removed.has(n))).toBe(true);
    const liverTaken = changed.filter(inBall).length;
    expect(liverTaken).toBeLessThan(0.15 * changed.length);
    // A uniform 6 mm erosion would have taken far more of the liver.
    expect(band.indices.length).toBeGreaterThan(3 * changed.length);
    // Never deeper than named.
    const depth = new Map(Array.from(band.indices, (n, c) => [n, band.distanceMm[c]]));
    expect(Math.max(...changed.map((n) => depth.get(n)!))).toBeLessThanOrEqual(6 + 1e-6);
    expect(choice.explanation).toMatch(
      /^shrank by 6 mm where the image questions the boundary \(\d+ % of it/,
    );
    expect(choice.explanation).toMatch(/kept it where the grey values confirm the liver's edge/);
  });

  it('adds a missed cap of the liver and nothing on the other sides', () => {
    const cap = (n: number) => inBall(n) && mm(n)[0] > RADIUS_MM - 6;
    const { seg, image } = study((n) => inBall(n) && !cap(n));
    const { changed } = sized(seg, image, 'grow', 6);
    const added = new Set(changed);
    const missed = Array.from({ length: image.length }, (_, n) => n).filter(cap);
    expect(missed.filter((n) => added.has(n)).length).toBeGreaterThan(0.9 * missed.length);
    // Only next to the cap: nothing joins on the ball's other sides (a uniform 6 mm grow would
    // have added a shell all round).
    expect(changed.every((n) => mm(n)[0] > RADIUS_MM / 2)).toBe(true);
  });

  it('stops a size larger than the error at the edge the image shows, and says so', () => {
    const cap = (n: number) => inBall(n) && mm(n)[0] > RADIUS_MM - 6;
    const { seg, image } = study((n) => inBall(n) && !cap(n));
    const { choice, changed } = sized(seg, image, 'grow', 12);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every(inBall)).toBe(true);
    expect(choice.explanation).toMatch(
      /^grew by 12 mm .*; stopped short of 12 mm where the grey values leave the liver's/,
    );
  });

  it('moves the whole boundary when the image questions all of it, and nothing where it confirms all', () => {
    // Drawn 6 mm too big all round: every boundary voxel is fat.
    const big = study((n) => Math.hypot(...mm(n)) <= RADIUS_MM + 6);
    const all = sized(big.seg, big.image, 'shrink', 6);
    expect(all.choice.changes.every((v) => v === 1)).toBe(true);
    expect(all.choice.explanation).toMatch(/along the whole boundary/);
    // Drawn right: the grey values confirm every boundary voxel.
    const right = study(inBall);
    const none = sized(right.seg, right.image, 'shrink', 6);
    expect(none.changed).toEqual([]);
    expect(none.choice.explanation).toMatch(/^nothing changed: the image confirms the liver boundary/);
  });
});
