// The intervention decode's arithmetic on hand-made logit arrays (no model): the probe batch's
// FiLM inputs, reading the neutral and unit-step logits, labels at any strength, and the strength
// at which each pixel changes class.
import { describe, expect, it } from 'vitest';
import {
  LOGIT_STEP,
  classesAt,
  flipStrengths,
  learnedDirection,
  logitPlane,
  logitShiftSlopes,
  probeInputs,
  readLogits,
} from '../../../src/main/services/segmentation/interventionDecode';
import type { ModelManifest } from '../../../src/shared/modelManifest';

const K = 3;
const pixels = 4;

/** [B, K, pixels] logits from per-entry, per-class rows. */
function logits(entries: number[][][]): Float32Array {
  return Float32Array.from(entries.flat(2));
}

describe('intervention decode arithmetic', () => {
  // Class 1 is the target. Pixel 0: target wins already; pixel 1: class 2 wins by 3, the step
  // raises the target by 1.5; pixel 2: background wins by 1, the step lowers the target; pixel 3:
  // class 2 wins by 4, the step raises the target by 0.5.
  const neutral = [
    [0, 0, 2, 0],
    [5, 1, -1, 0],
    [1, 4, 0, 4],
  ];
  const step = [
    [0, 0, 2, 0],
    [5, 2.5, -2, 0.5],
    [1, 4, 0, 4],
  ];

  function probePlane() {
    const plane = logitPlane(pixels);
    plane.gate.set([1, 1, 1, 0]);
    const sums = readLogits(logits([neutral, step]), 0, 1, 1, { K, pixels }, plane);
    return { plane, sums };
  }

  it('reads the target, its slope and the best other class from a probe batch', () => {
    const { plane, sums } = probePlane();
    expect([...plane.target]).toEqual([5, 1, -1, 0]);
    expect([...plane.slope]).toEqual([0, 1.5, -1, 0.5]);
    expect([...plane.other]).toEqual([1, 4, 2, 4]);
    expect([...plane.otherClass]).toEqual([2, 2, 0, 2]);
    // Σ slope·gate over the gated pixels 0–2 only.
    expect(sums).toEqual({ slopeGate: 0.5, gate: 3 });
  });

  it('gives each pixel its class at any strength, as the linear logits say', () => {
    const { plane } = probePlane();
    const out = new Uint8Array(pixels);
    expect([...classesAt(plane, 1, 0, out)]).toEqual([1, 2, 0, 2]);
    expect([...classesAt(plane, 1, 1.9, out)]).toEqual([1, 2, 0, 2]);
    expect([...classesAt(plane, 1, 2.1, out)]).toEqual([1, 1, 0, 2]);
    expect([...classesAt(plane, 1, 8.1, out)]).toEqual([1, 1, 0, 1]);
  });

  it('finds the strength at which each pixel joins the class (grow) or leaves it (shrink)', () => {
    const { plane } = probePlane();
    const grow = flipStrengths(plane, 1, 'grow', new Float32Array(pixels));
    expect([...grow]).toEqual([0, 2, Infinity, 8]);
    // The flip strengths agree with the labels: a pixel is the target at α exactly when α ≥ its flip.
    const out = new Uint8Array(pixels);
    for (const alpha of [0.5, 1.99, 2.01, 7.9, 8.1]) {
      classesAt(plane, 1, alpha, out);
      for (let q = 0; q < pixels; q++) expect(out[q] === 1).toBe(grow[q] <= alpha);
    }
    // Shrink: pixel 0 leaves the target when its margin of 4 is used up at the shrink slope.
    const shrinkPlane = logitPlane(pixels);
    readLogits(
      logits([
        neutral,
        [
          [0, 0, 2, 0],
          [3, 1, -1, 0],
          [1, 4, 0, 4],
        ],
      ]),
      0,
      1,
      1,
      { K, pixels },
      shrinkPlane,
    );
    const shrink = flipStrengths(shrinkPlane, 1, 'shrink', new Float32Array(pixels));
    expect([...shrink]).toEqual([2, 0, 0, 0]);
  });

  it('without a working direction shifts the target logit inside the gate only', () => {
    const { plane } = probePlane();
    logitShiftSlopes(plane, 1);
    expect([...plane.slope]).toEqual([LOGIT_STEP, LOGIT_STEP, LOGIT_STEP, 0]);
    const grow = flipStrengths(plane, 1, 'grow', new Float32Array(pixels));
    expect([...grow]).toEqual([0, 3 / LOGIT_STEP, 3 / LOGIT_STEP, Infinity]);
  });

  it('builds a probe batch: neutral entries, then one unit step of the target inside its gate', () => {
    const C8 = 2;
    const gates = [Float32Array.of(1, 0, 1, 0), Float32Array.of(0, 1, 0, 0)];
    const inputs = probeInputs(gates, { scale: [0.5, -1], shift: [2, 0] }, 1, { K, C8, pixels });
    const scale = [...inputs.filmScale!];
    const shift = [...inputs.filmShift!];
    const gate = [...inputs.gate!];
    expect(scale).toHaveLength(4 * K * C8);
    // Neutral entries: identity FiLM everywhere.
    expect(scale.slice(0, 2 * K * C8).every((v) => v === 1)).toBe(true);
    expect(shift.slice(0, 2 * K * C8).every((v) => v === 0)).toBe(true);
    // Step entry 2 (slice 0): class 1 modulated, classes 0 and 2 neutral; its gate is slice 0's.
    const at = (entry: number, c: number) => (entry * K + c) * C8;
    expect(scale.slice(at(2, 1), at(2, 1) + C8)).toEqual([1.5, 0]);
    expect(shift.slice(at(2, 1), at(2, 1) + C8)).toEqual([2, 0]);
    expect(scale.slice(at(2, 2), at(2, 2) + C8)).toEqual([1, 1]);
    expect(gate.slice((2 * K + 1) * pixels, (2 * K + 2) * pixels)).toEqual([1, 0, 1, 0]);
    expect(gate.slice((3 * K + 1) * pixels, (3 * K + 2) * pixels)).toEqual([0, 1, 0, 0]);
  });

  it('uses a learned direction only when it has the right width and is not all zero', () => {
    const manifest = {
      intervention: {
        directions: {
          grow: [null, { scale: [0, 0], shift: [0, 0] }, { scale: [1, 0], shift: [0, 0] }],
          shrink: [null, { scale: [1], shift: [0] }],
        },
      },
    } as unknown as ModelManifest;
    expect(learnedDirection(manifest, 'grow', 1, 2)).toBeNull();
    expect(learnedDirection(manifest, 'grow', 2, 2)).toEqual({ scale: [1, 0], shift: [0, 0] });
    expect(learnedDirection(manifest, 'shrink', 1, 2)).toBeNull();
  });
});
