// Test-Time Causal Intervention (TCI): what a typed correction means, as plain validated data.
//
// An Intervention is one change to one class of the segmentation model's output, confined to a
// region. Its three actions map one-to-one onto what the decoder can do (training/README.md, "TCI"):
//   grow    raise the class's logits inside the gate (FiLM direction `grow`): missed tissue,
//           under-segmentation, "too small", "you missed the lower pole";
//   shrink  lower the class's logits inside the gate (FiLM direction `shrink`): over-segmentation,
//           "too big", and leaks — a leak is `shrink` with `region.near` = the neighbour it leaks into,
//           so the gate is where the two touch;
//   remove  delete the label inside the region outright (a mask edit, not a modulation): "remove
//           the pancreas label below slice 40", "remove the stray pancreas blob";
//   relabel the `from` structure's voxels in the region become the target (a mask edit): "this is
//           pancreas, not liver", "take the right kidney label out of the left kidney" — one
//           intervention, one undo.
// "add missed" and "exclude leak" are therefore not actions of their own: they are grow/shrink
// with a region, which keeps the set orthogonal (action × region × magnitude).
//
// Region fields narrow the change and combine by intersection; an empty region means the whole
// structure. `component` speaks of the structure's connected pieces: "stray" is every piece but
// the largest (the main body, which it can never touch), "pointed" the piece under the cursor. Slices are 0-based indices along the axial stepping axis (the cursor's k), exactly
// what the gate is built on; describeIntervention shows them 1-based, as the slice viewer does.
//
// The same zod definition is the runtime validator, the LLM's JSON grammar (through
// services/intervention/grammarSchema.ts, which derives node-llama-cpp's JSON-schema subset from
// z.toJSONSchema of llmAnswerSchema) and the type.
import { z } from 'zod';
import { structureByName } from './anatomy';
import type { Axes3 } from './volume';

export const interventionActions = ['grow', 'shrink', 'remove', 'relabel'] as const;
export type InterventionAction = (typeof interventionActions)[number];

/** "these slices" = the current slice ± this many slices (9 slices, about one organ's worth at 3–5 mm). */
export const THESE_SLICES_HALF_WIDTH = 4;
/** "here" with a cursor = a ball of this radius around the cursor: large enough to hold a typical leak. */
export const HERE_RADIUS_MM = 15;
/** Beyond these a typed magnitude is refused rather than clamped: the decoder was trained on ≤ 12 px errors. */
export const MAX_MAGNITUDE_MM = 30;
export const MAX_SHRINK_PERCENT = 90;
export const MAX_GROW_PERCENT = 200;

/** Catalogue names are snake_case but keep TotalSegmentator's capitals (vertebrae_L1). */
const structureName = z.string().regex(/^[A-Za-z0-9_]+$/, 'a catalogue structure name');
const index = z.number().int().min(0);

export const sliceRangeSchema = z
  .object({ from: index, to: index })
  .refine((r) => r.from <= r.to, { message: 'slice range must have from <= to' });

export const regionSchema = z.object({
  /** Inclusive range of 0-based axial indices. */
  slices: sliceRangeSchema.optional(),
  /** A ball around a voxel (the cursor for "here"). */
  point: z.object({ i: index, j: index, k: index, radiusMm: z.number().positive().max(100) }).optional(),
  /** The patient's left or right part of the target. */
  side: z.enum(['left', 'right']).optional(),
  /** The upper (superior, cranial) or lower part of the target: "upper pole", "the dome". */
  craniocaudal: z.enum(['superior', 'inferior']).optional(),
  anteroposterior: z.enum(['anterior', 'posterior']).optional(),
  mediolateral: z.enum(['medial', 'lateral']).optional(),
  /** Where the target borders this structure: a leak into it, or a gap towards it. */
  near: structureName.optional(),
  /**
   * Connected pieces of the structure changed (of `from` for relabel): "stray" = every piece but
   * the largest (islands, blobs, fragments); "pointed" = the piece at `point` (the cursor).
   */
  component: z.enum(['stray', 'pointed']).optional(),
});
export type Region = z.infer<typeof regionSchema>;

/** mm: how far the boundary moves; percent: change of the structure's volume in the region. */
export const magnitudeSchema = z.discriminatedUnion('unit', [
  z.object({ unit: z.literal('mm'), value: z.number().positive() }),
  z.object({ unit: z.literal('percent'), value: z.number().positive() }),
  z.object({ unit: z.literal('qualitative'), level: z.enum(['slight', 'moderate', 'marked']) }),
]);
export type Magnitude = z.infer<typeof magnitudeSchema>;

export const interventionSchema = z.object({
  action: z.enum(interventionActions),
  target: structureName,
  /** relabel only: the structure whose voxels in the region become the target. */
  from: structureName.optional(),
  region: regionSchema,
  magnitude: magnitudeSchema.optional(),
});
export type Intervention = z.infer<typeof interventionSchema>;

const question = z.string().min(1).max(200);
export const interpretResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('intervention'), intervention: interventionSchema, summary: z.string() }),
  /** Each option is a complete command; picking it re-interprets that text. */
  z.object({ kind: z.literal('clarify'), question, options: z.array(z.string().min(1)).optional() }),
  z.object({ kind: z.literal('refuse'), reason: question }),
]);
export type InterpretResult = z.infer<typeof interpretResultSchema>;

export const interpreterKinds = ['built-in', 'llm'] as const;
export type InterpreterKind = (typeof interpreterKinds)[number];

/** What an interpreter answers: the result, who answered, and why the LLM did not, if it did not. */
export type Interpretation = InterpretResult & {
  interpreter: InterpreterKind;
  elapsedMs: number;
  /** Set when the LLM was asked but the built-in interpreter answered instead. */
  fallbackReason?: string;
};

/** What the user is looking at when typing: resolves "these slices", "here", "the kidney". */
export const viewContextSchema = z.object({
  /** Catalogue names of the structures present in the segmentation being corrected. */
  visibleStructures: z.array(structureName),
  /** 0-based axial index of the slice on screen. */
  currentSlice: index,
  sliceCount: z.number().int().positive(),
  /** Whether a larger axial index is more superior (head-ward); decides "above this slice". */
  superiorIsIncreasingK: z.boolean(),
  cursor: z.object({ i: index, j: index, k: index }).optional(),
  selectedStructure: structureName.optional(),
});
export type ViewContext = z.infer<typeof viewContextSchema>;

/**
 * What the LLM writes, constrained by a grammar derived from this schema: an intervention (the
 * summary is ours, not the model's), a question, or a refusal. Strings are bounded so that a
 * grammar-constrained generation ends within a small token budget.
 */
export const llmAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('intervention'), intervention: interventionSchema }),
  z.object({
    kind: z.literal('clarify'),
    question: z.string().min(1).max(120),
    options: z.array(z.string().min(1).max(60)).max(4).optional(),
  }),
  z.object({ kind: z.literal('refuse'), reason: z.string().min(1).max(120) }),
]);
export type LlmAnswer = z.infer<typeof llmAnswerSchema>;

/** JSON Schema (draft 2020-12) of an Intervention, for other consumers (docs, Python, the manifest). */
export const interventionJsonSchema = z.toJSONSchema(interventionSchema);

/**
 * The voxel axis the axial view steps through: the one most aligned with the patient's
 * superior–inferior direction (LPS z). Region slices index this axis; for axial acquisitions it is k.
 */
export function axialAxis(axesLps: Axes3): 0 | 1 | 2 {
  const s = axesLps.map((axis) => Math.abs(axis[2]));
  return s[0] >= s[1] && s[0] >= s[2] ? 0 : s[1] >= s[2] ? 1 : 2;
}

/** ViewContext.superiorIsIncreasingK for a volume: LPS z grows towards the head. */
export function superiorIsIncreasing(axesLps: Axes3): boolean {
  return axesLps[axialAxis(axesLps)][2] > 0;
}

/** "kidney_left" → "left kidney", "vertebrae_L1" → "vertebrae L1": how the UI names a structure. */
export function displayName(name: string): string {
  const words = name.split('_');
  const side = words.filter((w) => w === 'left' || w === 'right');
  const rest = words.filter((w) => w !== 'left' && w !== 'right');
  return [...side, ...rest].join(' ');
}

const verbs: Record<InterventionAction, string> = {
  grow: 'Grow',
  shrink: 'Shrink',
  remove: 'Remove',
  relabel: 'Relabel',
};

/** Structures where radiologists say "pole" for the upper or lower end. */
const hasPoles = /^(kidney|spleen|kidney_cyst)/;

/** The readable line shown with Apply/Undo: "Shrink liver · slices 38–46 · near stomach · by 3 mm". */
export function describeIntervention(i: Intervention): string {
  const parts = [
    i.action === 'relabel'
      ? `Relabel ${displayName(i.from ?? '?')} as ${displayName(i.target)}`
      : `${verbs[i.action]} ${displayName(i.target)}${i.action === 'remove' ? ' label' : ''}`,
  ];
  const r = i.region;
  if (r.component) parts.push(r.component === 'stray' ? 'stray pieces only' : 'the piece at the cursor');
  if (r.slices) {
    // 1-based, as the slice viewer numbers them.
    const [a, b] = [r.slices.from + 1, r.slices.to + 1];
    parts.push(a === b ? `slice ${a}` : `slices ${a}–${b}`);
  }
  if (r.point) parts.push(`within ${r.point.radiusMm} mm of (${r.point.i}, ${r.point.j}, ${r.point.k})`);
  if (r.craniocaudal) {
    const word = r.craniocaudal === 'superior' ? 'upper' : 'lower';
    parts.push(hasPoles.test(i.target) ? `${word} pole` : `${word} part`);
  }
  if (r.side) parts.push(`${r.side} side`);
  if (r.anteroposterior) parts.push(`${r.anteroposterior} part`);
  if (r.mediolateral) parts.push(`${r.mediolateral} part`);
  if (r.near) parts.push(`near ${displayName(r.near)}`);
  const m = i.magnitude;
  if (m) {
    if (m.unit === 'mm') parts.push(`by ${m.value} mm`);
    else if (m.unit === 'percent') parts.push(`by ${m.value} %`);
    else parts.push({ slight: 'slightly', moderate: 'moderately', marked: 'markedly' }[m.level]);
  }
  if (!r.slices && !r.point && Object.keys(r).length === 0) parts.push('whole structure');
  else if (i.action === 'grow' && r.craniocaudal && !m) parts.push('beyond its current end');
  return parts.join(' · ');
}

/**
 * Checks an intervention against what is on screen; both interpreters pass through here, so the
 * LLM cannot name a structure that is not segmented or a slice that does not exist. Returns the
 * intervention result, or the clarification or refusal that replaces it.
 */
export function checkIntervention(i: Intervention, context: ViewContext): InterpretResult {
  const visible = new Set(context.visibleStructures);
  const shown = context.visibleStructures.map(displayName).join(', ') || 'nothing';
  const named = (s: string) => (structureByName(s) ? displayName(s) : s);
  if (!visible.has(i.target)) {
    return {
      kind: 'clarify',
      question: `The ${named(i.target)} is not in this segmentation (it has: ${shown}). Which structure should change?`,
    };
  }
  const r = i.region;
  if (i.action === 'relabel') {
    if (!i.from)
      return { kind: 'clarify', question: `Which structure's label should become ${named(i.target)}?` };
    if (i.from === i.target) {
      return { kind: 'clarify', question: `Relabel the ${named(i.target)} as what?` };
    }
    if (!visible.has(i.from)) {
      return {
        kind: 'clarify',
        question: `The ${named(i.from)} is not in this segmentation (it has: ${shown}). Which label is wrong here?`,
      };
    }
    if (!r.slices && !r.point && !r.component) {
      // Relabelling a whole structure renames it: never a guess. A place or a piece is needed.
      return {
        kind: 'clarify',
        question: `Where is the ${named(i.target)} labelled as ${named(i.from)}? Put the cursor on it and say "here", or name the slices.`,
      };
    }
  } else if (i.from !== undefined) {
    return { kind: 'clarify', question: `Should the ${named(i.from)} label become ${named(i.target)} here?` };
  }
  if (r.component === 'pointed' && !r.point) {
    return { kind: 'clarify', question: 'Which piece? Put the cursor on it and say "this piece".' };
  }
  if (r.near !== undefined) {
    if (r.near === i.target)
      return { kind: 'clarify', question: `Near what should the ${named(i.target)} change?` };
    if (!visible.has(r.near)) {
      return {
        kind: 'clarify',
        question: `The ${named(r.near)} is not in this segmentation, so I cannot find where the ${named(i.target)} meets it. Which slices should change?`,
      };
    }
  }
  const last = context.sliceCount - 1;
  if (r.slices && (r.slices.from > last || r.slices.to > last)) {
    return {
      kind: 'clarify',
      question: `This series has slices 1–${context.sliceCount}; which slices did you mean?`,
    };
  }
  if (r.point && r.point.k > last) {
    return { kind: 'clarify', question: 'That point is outside the volume; where should the change be?' };
  }
  const m = i.magnitude;
  if (m?.unit === 'mm' && m.value > MAX_MAGNITUDE_MM) {
    return {
      kind: 'refuse',
      reason: `${m.value} mm is more than a correction can move a boundary (at most ${MAX_MAGNITUDE_MM} mm); segment again or edit by hand.`,
    };
  }
  if (m?.unit === 'percent') {
    const max = i.action === 'grow' ? MAX_GROW_PERCENT : MAX_SHRINK_PERCENT;
    if (m.value > max) {
      return {
        kind: 'refuse',
        reason: `${i.action === 'grow' ? 'Growing' : 'Shrinking'} by ${m.value} % is beyond what a correction can do (at most ${max} %).`,
      };
    }
  }
  return { kind: 'intervention', intervention: i, summary: describeIntervention(i) };
}
