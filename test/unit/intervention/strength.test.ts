// Strength chosen by the image: a voxel changes only where the model lets it (within the ceiling
// the words set) and its grey value sides with the structure (grow) or its surroundings (shrink),
// and only as one front from the old boundary — so the change stops at the structure's edge,
// never jumps to look-alike tissue beyond it, only ever grows with the ceiling, and says how far
// it went and why it stopped.
import { describe, expect, it } from 'vitest';
import {
  MAX_SEARCH_STRENGTH,
  chooseStrength,
  intensityContrast,
  type BandEvidence,
} from '../../../src/main/services/intervention/strength';
import type { Vec3 } from '../../../src/shared/volume';

const ORGAN = 100;
const FAT = -100;
const contrast = { inside: ORGAN, outside: FAT };
/** A ceiling above every flip strength of the test bands, so the image alone stops the change. */
const HIGH = 6;

/**
 * A row of voxels along i (1.5 mm apart): the structure is i < `structureEnd`, the band the
 * voxels `band` (each flipping at 0.5 per voxel away from the boundary), their grey values
 * `grey(i)`.
 */
function row(structureEnd: number, band: number[], grey: (i: number) => number): BandEvidence {
  const dims: Vec3 = [24, 1, 1];
  const away = (i: number) => (i >= structureEnd ? i - structureEnd + 1 : structureEnd - i);
  return {
    indices: band,
    flip: Float32Array.from(band, (i) => 0.5 * away(i)),
    intensity: band.map(grey),
    distanceMm: Float32Array.from(band, (i) => 1.5 * away(i)),
    inStructure: (n) => n < structureEnd,
    dims,
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, c) => from + c);
const changedVoxels = (band: BandEvidence, changes: Uint8Array) =>
  Array.from(band.indices).filter((_, c) => changes[c]);

describe('strength chosen by the image', () => {
  it('grows over organ-like voxels and stops at the edge, not at look-alike tissue beyond it', () => {
    // Liver i < 5; organ-like grey values for i 5–8, fat beyond — but a liver-like voxel at 12.
    const band = row(5, range(5, 16), (i) => (i <= 8 || i === 12 ? ORGAN : FAT));
    const choice = chooseStrength('grow', 'liver', band, contrast, HIGH);
    expect(changedVoxels(band, choice.changes)).toEqual([5, 6, 7, 8]);
    expect(choice.strength).toBe(2);
    expect(choice.reachedMm).toBe(6);
    expect(choice.explanation).toMatch(/^grew up to 6 mm .*chosen by the image.*stopped at the liver's edge/);
  });

  it('peels off what looks like the surroundings and stops where the voxels look like the organ', () => {
    // Spleen i < 10; its outer voxels 8–9 are fat (over-segmented), 7 is spleen, 6 fat again
    // (a vessel inside the organ): the peel stops at 7, so 6 stays.
    const band = row(10, range(5, 10), (i) => (i >= 8 || i === 6 ? FAT : ORGAN));
    const choice = chooseStrength('shrink', 'spleen', band, contrast, HIGH);
    expect(changedVoxels(band, choice.changes)).toEqual([8, 9]);
    expect(choice.explanation).toMatch(
      /^shrank up to 3 mm .*stopped where the voxels have grey values nearer the spleen's own/,
    );
  });

  it('only changes more with a higher ceiling, never past it, and by default stops at the moderate strength', () => {
    const band = row(5, range(5, 24), () => ORGAN);
    let previous: number[] = [];
    for (const ceiling of [0.5, 1, 2, 4, HIGH]) {
      const choice = chooseStrength('grow', 'liver', band, contrast, ceiling);
      const changed = changedVoxels(band, choice.changes);
      expect(changed).toEqual(expect.arrayContaining(previous));
      choice.changes.forEach((v, c) => expect(v === 0 || band.flip[c] <= ceiling).toBe(true));
      previous = changed;
    }
    const moderate = chooseStrength('grow', 'liver', band, contrast);
    expect(moderate.strength).toBe(MAX_SEARCH_STRENGTH);
    expect(moderate.explanation).toMatch(/the model would not add more below strength 2$/);
  });

  it('changes nothing, and says so, when the voxels next to the boundary are not organ', () => {
    const band = row(5, range(5, 12), (i) => (i === 5 ? FAT : ORGAN));
    const choice = chooseStrength('grow', 'liver', band, contrast, HIGH);
    expect(choice.changes.every((v) => v === 0)).toBe(true);
    expect(choice.explanation).toMatch(/^nothing changed: stopped at the liver's edge/);
  });

  it('reads the structure against what touches it: interior median and surroundings median', () => {
    // A 10 × 10 × 10 block of organ (grey 100 ± 5, its outer shell 40: partial volume) in fat (-500).
    const dims: Vec3 = [16, 16, 16];
    const labels = new Uint8Array(16 ** 3);
    const image = new Float32Array(16 ** 3).fill(-500);
    for (let k = 3; k < 13; k++)
      for (let j = 3; j < 13; j++)
        for (let i = 3; i < 13; i++) {
          const n = i + 16 * j + 256 * k;
          labels[n] = 5;
          const shell = [i, j, k].some((v) => v === 3 || v === 12);
          image[n] = shell ? 40 : 100 + (n % 11) - 5;
        }
    const found = intensityContrast(image, labels, 5, dims)!;
    expect(Math.abs(found.inside - 100)).toBeLessThanOrEqual(5);
    expect(found.outside).toBe(-500);
    expect(intensityContrast(image, labels, 9, dims)).toBeNull();
  });

  it('lets even a small interior set the median, not the boundary around it', () => {
    // A 5 × 5 × 5 structure: 27 interior voxels (grey 100) inside 98 boundary voxels (grey 40).
    const dims: Vec3 = [9, 9, 9];
    const labels = new Uint8Array(9 ** 3);
    const image = new Float32Array(9 ** 3).fill(-500);
    for (let k = 2; k < 7; k++)
      for (let j = 2; j < 7; j++)
        for (let i = 2; i < 7; i++) {
          const n = i + 9 * j + 81 * k;
          labels[n] = 5;
          image[n] = [i, j, k].some((v) => v === 2 || v === 6) ? 40 : 100;
        }
    expect(intensityContrast(image, labels, 5, dims)).toEqual({ inside: 100, outside: -500 });
  });
});
