// The LLM's prompt: a plain completion prompt (no chat template, so any GGUF works), the view
// written out with every slice range already computed — a small model copies numbers far more
// reliably than it does arithmetic — and a few worked examples in exactly the grammar's form.
import {
  HERE_RADIUS_MM,
  THESE_SLICES_HALF_WIDTH,
  type LlmAnswer,
  type ViewContext,
} from '../../../shared/intervention';
import { benchmarkContext } from './benchmarkCommands';
import { toGrammarJson } from './grammarSchema';

const INSTRUCTIONS = [
  "Turn a radiologist's typed correction of an organ segmentation into JSON.",
  'Actions: grow = the label missed tissue; shrink = the label is too big or leaks into a neighbour',
  '(put the neighbour in "near"); remove = delete the label in a region; relabel = the "from"',
  'label in the region is really the target. component "stray" = the pieces away from the main body',
  '(stray, island, blob, fragment); "pointed" = the piece at the cursor. A structure that continues',
  'up or down missed its upper or lower pole (grow with craniocaudal).',
  'Structures are the names listed in the view. Slices are 0-based indices: slice N as typed is index N-1.',
  '"Above"/"upper" mean superior (towards the head). Use only the parts of the region the command states.',
  'Answer kind "clarify" with a short question when the structure, action or place is unclear,',
  'and kind "refuse" when the text is not a segmentation correction.',
].join('\n');

/** The view as the model sees it: names, and the slice ranges for "these slices", "above this"… */
export function describeView(context: ViewContext): string {
  const last = context.sliceCount - 1;
  const c = context.currentSlice;
  const up = context.superiorIsIncreasingK;
  const above = up ? `${Math.min(c + 1, last)}-${last}` : `0-${Math.max(c - 1, 0)}`;
  const below = up ? `0-${Math.max(c - 1, 0)}` : `${Math.min(c + 1, last)}-${last}`;
  const these = `${Math.max(0, c - THESE_SLICES_HALF_WIDTH)}-${Math.min(last, c + THESE_SLICES_HALF_WIDTH)}`;
  const cursor = context.cursor
    ? `i=${context.cursor.i} j=${context.cursor.j} k=${context.cursor.k} ("here" = point at the cursor, radiusMm ${HERE_RADIUS_MM})`
    : `none ("here" = the current slice)`;
  return [
    `View: structures ${context.visibleStructures.join(', ') || 'none'}; selected ${context.selectedStructure ?? 'none'};`,
    `slice indices 0-${last}; current slice ${c}; these slices ${these}; above this slice ${above}; below this slice ${below};`,
    `superior = ${up ? 'higher' : 'lower'} indices; cursor ${cursor}.`,
  ].join('\n');
}

export interface PromptExample {
  command: string;
  answer: LlmAnswer;
}

/** Worked examples in the benchmark's view (benchmarkContext): one per kind of answer. */
export const promptExamples: readonly PromptExample[] = [
  {
    command: 'the liver is leaking into the stomach on these slices',
    answer: {
      kind: 'intervention',
      intervention: {
        action: 'shrink',
        target: 'liver',
        region: { slices: { from: 37, to: 45 }, near: 'stomach' },
      },
    },
  },
  {
    command: 'you missed the lower pole of the left kidney',
    answer: {
      kind: 'intervention',
      intervention: { action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } },
    },
  },
  {
    command: 'remove the pancreas label below slice 40',
    answer: {
      kind: 'intervention',
      intervention: { action: 'remove', target: 'pancreas', region: { slices: { from: 0, to: 38 } } },
    },
  },
  {
    command: 'shrink the spleen by 3 mm',
    answer: {
      kind: 'intervention',
      intervention: { action: 'shrink', target: 'spleen', region: {}, magnitude: { unit: 'mm', value: 3 } },
    },
  },
  {
    command: 'remove the stray pancreas blob',
    answer: {
      kind: 'intervention',
      intervention: { action: 'remove', target: 'pancreas', region: { component: 'stray' } },
    },
  },
  {
    command: 'take the right kidney label out of the left kidney',
    answer: {
      kind: 'intervention',
      intervention: {
        action: 'relabel',
        target: 'kidney_right',
        from: 'kidney_left',
        region: { component: 'stray' },
      },
    },
  },
  {
    command: 'the kidney is too big',
    answer: {
      kind: 'clarify',
      question: 'Which kidney: left or right?',
      options: ['the left kidney is too big', 'the right kidney is too big'],
    },
  },
  {
    command: 'what is the liver volume?',
    answer: { kind: 'refuse', reason: 'That is a question, not a correction.' },
  },
];

function block(view: string, command: string, answer?: LlmAnswer): string {
  return `${view}\nCommand: ${command.replace(/\s+/g, ' ').trim()}\nJSON: ${answer ? toGrammarJson(answer) : ''}`;
}

/**
 * The prompt with the first `exampleCount` examples. The caller lowers the count until the prompt
 * and the answer budget fit the context.
 */
export function buildPrompt(
  command: string,
  context: ViewContext,
  exampleCount = promptExamples.length,
): string {
  const exampleView = describeView(benchmarkContext);
  const examples = promptExamples.slice(0, exampleCount).map((e) => block(exampleView, e.command, e.answer));
  return [INSTRUCTIONS, ...examples, block(describeView(context), command)].join('\n\n');
}
