// Strength chosen by the image: the search over the FiLM strength stops where the voxels the model
// would add next no longer look like the structure, never goes past its bound, only ever adds more
// with more strength, and says how far it went and why it stopped.
import { describe, expect, it } from 'vitest';
import {
  MAX_SEARCH_STRENGTH,
  chooseStrength,
  structureIntensity,
} from '../../../src/main/services/intervention/strength';

/** A ceiling above every flip strength of the test bands, so the image alone stops the search. */
const HIGH = 6;

/** A grow band of 10 shells of 50 voxels, shell s at 1.5·(s+1) mm, flipping at strength 0.5·(s+1). */
function band(organShells: number) {
  const n = 500;
  const flip = new Float32Array(n);
  const distance = new Float32Array(n);
  const intensity = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const shell = Math.floor(c / 50);
    flip[c] = 0.5 * (shell + 1);
    distance[c] = 1.5 * (shell + 1);
    // Organ-like grey values (≈ 100) in the first shells, fat (≈ -100) beyond; a few outliers each.
    intensity[c] = (shell < organShells ? 100 : -100) + ((c * 37) % 21) - 10 + (c % 10 === 0 ? 300 : 0);
  }
  return { flip, distance, intensity };
}

const organRange = { lo: 60, hi: 140 };

describe('strength chosen by the image', () => {
  it('grows while the new voxels look like the organ and stops at its edge', () => {
    const b = band(4);
    const choice = chooseStrength('grow', 'liver', b.flip, b.intensity, b.distance, organRange, HIGH);
    const changed = [...choice.changes].reduce((a, v) => a + v, 0);
    // The first four shells, less their bright outliers (one voxel in ten does not look like liver).
    expect(changed).toBe(180);
    expect(choice.strength).toBe(2);
    expect(choice.reachedMm).toBe(6);
    expect(choice.explanation).toMatch(/^grew up to 6 mm .*stopped at the liver's edge/);
  });

  it('shrinks while the removed voxels do not look like the organ, and stops where they do', () => {
    // Shrink band: the outer 3 shells are leak (fat), the rest organ.
    const n = 300;
    const flip = Float32Array.from({ length: n }, (_, c) => 0.5 * (Math.floor(c / 50) + 1));
    const distance = Float32Array.from({ length: n }, (_, c) => 1.5 * (Math.floor(c / 50) + 1));
    const intensity = Float32Array.from({ length: n }, (_, c) => (c < 150 ? -100 : 100));
    const choice = chooseStrength('shrink', 'spleen', flip, intensity, distance, organRange, HIGH);
    expect([...choice.changes].reduce((a, v) => a + v, 0)).toBe(150);
    expect(choice.explanation).toMatch(/^shrank up to 5 mm .*stopped where the voxels look like spleen/);
  });

  it('is monotone in how far the image lets it go, and bounded by the strength limit', () => {
    let previous = -1;
    for (const shells of [0, 2, 4, 7, 10]) {
      const b = band(shells);
      const choice = chooseStrength('grow', 'liver', b.flip, b.intensity, b.distance, organRange, HIGH);
      const changed = [...choice.changes].reduce((a, v) => a + v, 0);
      expect(changed).toBeGreaterThanOrEqual(previous);
      previous = changed;
      // A voxel changes exactly when it flips at or below the chosen strength and looks like liver.
      const organLike = (c: number) => b.intensity[c] >= organRange.lo && b.intensity[c] <= organRange.hi;
      choice.changes.forEach((v, c) => expect(v === 1).toBe(b.flip[c] <= choice.strength && organLike(c)));
      expect(choice.strength).toBeLessThanOrEqual(HIGH);
    }
    // All organ-like: bounded by the ceiling, by default the moderate strength.
    const all = band(10);
    const bounded = chooseStrength('grow', 'liver', all.flip, all.intensity, all.distance, organRange);
    expect(bounded.strength).toBe(MAX_SEARCH_STRENGTH);
    bounded.changes.forEach((v, c) => expect(v === 0 || all.flip[c] <= MAX_SEARCH_STRENGTH).toBe(true));
    expect(bounded.explanation).toMatch(/the model would not add more below strength 2$/);
  });

  it('changes nothing, and says so, when the first voxels the model would add are not organ', () => {
    const b = band(0);
    const choice = chooseStrength('grow', 'liver', b.flip, b.intensity, b.distance, organRange, HIGH);
    expect([...choice.changes].every((v) => v === 0)).toBe(true);
    expect(choice.explanation).toMatch(/^nothing changed: stopped at the liver's edge/);
  });

  it("takes the structure's range from its own voxels (median ± 2.5 robust SDs)", () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, n) => (n < 500 ? 5 : 0));
    const image = Float32Array.from({ length: 1000 }, (_, n) => (n < 500 ? 100 + (n % 11) - 5 : -500));
    const range = structureIntensity(image, labels, 5)!;
    expect(range.lo).toBeLessThan(95);
    expect(range.hi).toBeGreaterThan(105);
    expect(range.lo).toBeGreaterThan(60);
    expect(structureIntensity(image, labels, 9)).toBeNull();
  });
});
