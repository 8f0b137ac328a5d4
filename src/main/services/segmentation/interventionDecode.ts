// The arithmetic of a Test-Time Causal Intervention on decoder outputs, apart from ONNX Runtime:
// the FiLM inputs of a probe batch, what the probe's logits say (each pixel's target logit, its
// change per unit of strength, the best other class), whether the learned direction works, and the
// labels — and the strength at which each pixel changes class — at any strength.
//
// The class logits are linear in the FiLM strength α (class_logits_k = <w_k, F_k> + bias_k with
// F_k = (1 + α·scale)·f + α·shift inside the gate), so one neutral pass and one unit step give
// every pixel's logit at every strength: score(α) = target + α·slope.
import type { ModelManifest } from '../../../shared/modelManifest';
import type { InterventionInputs } from './engineTypes';

/** Logit units per unit of strength for models without FiLM inputs (a softmax margin of e² per step). */
export const LOGIT_STEP = 2;

/** One slice on the model's grid: the gate and, per pixel, what the probe found. */
export interface LogitPlane {
  gate: Float32Array;
  /** The target class's neutral logit. */
  target: Float32Array;
  /** Its change per unit of strength. */
  slope: Float32Array;
  /** The best other class's logit, and that class's index. */
  other: Float32Array;
  otherClass: Uint8Array;
}

export interface FilmDirection {
  scale: number[];
  shift: number[];
}

/** Sizes of one decoder batch entry: classes, FiLM feature width, pixels per plane. */
export interface DecoderShape {
  K: number;
  C8: number;
  pixels: number;
}

export function logitPlane(pixels: number): LogitPlane {
  return {
    gate: new Float32Array(pixels),
    target: new Float32Array(pixels),
    slope: new Float32Array(pixels),
    other: new Float32Array(pixels),
    otherClass: new Uint8Array(pixels),
  };
}

/** The learned FiLM direction of a class for grow/shrink, or null when there is none (all zero). */
export function learnedDirection(
  manifest: ModelManifest,
  kind: 'grow' | 'shrink',
  cls: number,
  C8: number,
): FilmDirection | null {
  const d = manifest.intervention.directions[kind]?.[cls];
  if (!d || d.scale.length !== C8 || d.shift.length !== C8) return null;
  return d.scale.some((x) => x !== 0) || d.shift.some((x) => x !== 0) ? d : null;
}

/**
 * FiLM inputs for a probe batch over `gates.length` slices: the slices once neutral (entries 0 to
 * b-1), then once with class `cls` modulated by one unit step of `direction` inside its gate
 * (entries b to 2b-1).
 */
export function probeInputs(
  gates: Float32Array[],
  direction: FilmDirection,
  cls: number,
  { K, C8, pixels }: DecoderShape,
): InterventionInputs {
  const b = gates.length;
  const entries = 2 * b;
  const gate = new Float32Array(entries * K * pixels).fill(1);
  const scale = new Float32Array(entries * K * C8).fill(1);
  const shift = new Float32Array(entries * K * C8);
  for (let n = 0; n < b; n++) {
    const m = b + n;
    gate.set(gates[n], (m * K + cls) * pixels);
    for (let c = 0; c < C8; c++) {
      scale[(m * K + cls) * C8 + c] = 1 + direction.scale[c];
      shift[(m * K + cls) * C8 + c] = direction.shift[c];
    }
  }
  return { filmScale: scale, filmShift: shift, gate };
}

/**
 * Reads batch entry `entry` of [B, K, S, S] class logits into `plane`: the target's logit, the best
 * other class (first maximum wins, as argmax does) and — with `stepEntry`, the same slice after one
 * unit step — the target's slope. Returns Σ slope·gate and Σ gate over the plane.
 */
export function readLogits(
  classLogits: Float32Array,
  entry: number,
  stepEntry: number | null,
  cls: number,
  { K, pixels }: Pick<DecoderShape, 'K' | 'pixels'>,
  plane: LogitPlane,
): { slopeGate: number; gate: number } {
  const base = entry * K * pixels;
  let slopeGate = 0;
  let gate = 0;
  for (let q = 0; q < pixels; q++) {
    let best = -Infinity;
    let bestClass = 0;
    for (let c = 0; c < K; c++) {
      if (c === cls) continue;
      const v = classLogits[base + c * pixels + q];
      if (v > best) {
        best = v;
        bestClass = c;
      }
    }
    plane.other[q] = best;
    plane.otherClass[q] = bestClass;
    plane.target[q] = classLogits[base + cls * pixels + q];
    if (stepEntry !== null) {
      plane.slope[q] = classLogits[stepEntry * K * pixels + cls * pixels + q] - plane.target[q];
      slopeGate += plane.slope[q] * plane.gate[q];
      gate += plane.gate[q];
    }
  }
  return { slopeGate, gate };
}

/** Without a working FiLM direction the target's logit itself moves: LOGIT_STEP per unit inside the gate. */
export function logitShiftSlopes(plane: LogitPlane, sign: 1 | -1): void {
  for (let q = 0; q < plane.gate.length; q++) plane.slope[q] = sign * LOGIT_STEP * plane.gate[q];
}

/** Whether the target's logit, at strength α, wins over the best other class (ties: lower index, as argmax). */
function isTarget(plane: LogitPlane, q: number, cls: number, alpha: number): boolean {
  const score = plane.target[q] + alpha * plane.slope[q];
  return score > plane.other[q] || (score === plane.other[q] && cls < plane.otherClass[q]);
}

/** Class index per pixel at strength α (the target, or the best other class). */
export function classesAt(plane: LogitPlane, cls: number, alpha: number, out: Uint8Array): Uint8Array {
  for (let q = 0; q < out.length; q++) out[q] = isTarget(plane, q, cls, alpha) ? cls : plane.otherClass[q];
  return out;
}

/**
 * Per pixel, the smallest strength at which it joins the class (grow) or leaves it (shrink): 0 where
 * it already has at no strength, Infinity where the slope points the other way (or is flat).
 */
export function flipStrengths(
  plane: LogitPlane,
  cls: number,
  direction: 'grow' | 'shrink',
  out: Float32Array,
): Float32Array {
  for (let q = 0; q < out.length; q++) {
    const now = isTarget(plane, q, cls, 0);
    const slope = plane.slope[q];
    if (direction === 'grow') {
      out[q] = now ? 0 : slope > 0 ? (plane.other[q] - plane.target[q]) / slope : Infinity;
    } else {
      out[q] = !now ? 0 : slope < 0 ? (plane.target[q] - plane.other[q]) / -slope : Infinity;
    }
  }
  return out;
}
