// The correction benchmark's command set: for each simulated error type (training/intervention.py
// simulates `leak` → shrink near a neighbour and `under` → grow; the rest are the other errors a
// reader types about), several phrasings with the interpretation a radiologist would accept. A
// benchmark runs every interpreter over these and scores exact agreement per error type
// (scoreInterpretation); the unit tests hold the built-in interpreter to the same table.
import type { InterpretResult, Intervention, ViewContext } from '../../../shared/intervention';

/** An abdominal CT: 120 slices, slice 42 on screen (index 41), head at high indices. */
export const benchmarkContext: ViewContext = {
  visibleStructures: [
    'liver',
    'spleen',
    'stomach',
    'kidney_left',
    'kidney_right',
    'gallbladder',
    'pancreas',
    'duodenum',
    'aorta',
    'inferior_vena_cava',
  ],
  currentSlice: 41,
  sliceCount: 120,
  superiorIsIncreasingK: true,
};

/** The same view with the cursor on a voxel of slice 42, for "here". */
export const benchmarkContextWithCursor: ViewContext = {
  ...benchmarkContext,
  cursor: { i: 200, j: 180, k: 41 },
};

export type ExpectedInterpretation =
  { kind: 'intervention'; intervention: Intervention } | { kind: 'clarify' } | { kind: 'refuse' };

export interface BenchmarkCommand {
  errorType: string;
  command: string;
  context: ViewContext;
  expected: ExpectedInterpretation;
}

const these = { from: 37, to: 45 };
const here = { i: 200, j: 180, k: 41, radiusMm: 15 };

const iv = (intervention: Intervention): ExpectedInterpretation => ({ kind: 'intervention', intervention });

function group(
  errorType: string,
  expected: ExpectedInterpretation,
  commands: string[],
  context = benchmarkContext,
): BenchmarkCommand[] {
  return commands.map((command) => ({ errorType, command, context, expected }));
}

export const benchmarkCommands: readonly BenchmarkCommand[] = [
  ...group('leak', iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }), [
    'the liver is leaking into the stomach on these slices',
    'liver bleeds into the stomach on these slices',
    'on these slices the liver label spills into the stomach',
    'the liver includes part of the stomach on these slices',
    'exclude the stomach from the liver on these slices',
    'shrink the liver near the stomach on these slices',
  ]),
  ...group(
    'leak',
    iv({ action: 'shrink', target: 'spleen', region: { point: here, near: 'stomach' } }),
    [
      'the spleen is leaking into the stomach here',
      'right here the splenic label overlaps the stomach',
      'spleen spills onto the stomach at the cursor',
    ],
    benchmarkContextWithCursor,
  ),
  ...group('over', iv({ action: 'shrink', target: 'gallbladder', region: {} }), [
    'the gallbladder is too big',
    'gallbladder oversegmented',
    'make the gallbladder smaller',
    'the gb is too large',
    'shrink the gall bladder',
    'the gallbladder is bigger than it should be',
  ]),
  ...group('over', iv({ action: 'shrink', target: 'liver', region: { slices: { from: 42, to: 119 } } }), [
    'the liver is too big above this slice',
    'above the current slice the liver is oversegmented',
    'shrink the liver superior to this slice',
  ]),
  ...group(
    'over_sized',
    iv({ action: 'shrink', target: 'spleen', region: {}, magnitude: { unit: 'mm', value: 3 } }),
    [
      'shrink the spleen by 3 mm',
      'shrink spleen 3mm',
      'shrink the spleen by three millimetres',
      'the spleen is 3 mm too big',
      'erode the splenic label by 0.3 cm',
    ],
  ),
  ...group('under', iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }), [
    'you missed the lower pole of the left kidney',
    'the lower pole of the L kidney is missing',
    'left kidney: lower pole not included',
    'grow the lt kidney at its inferior pole',
    'kidney, left - the bottom part is cut off',
    'the kidney on the left is missing its lower pole',
  ]),
  ...group('under', iv({ action: 'grow', target: 'pancreas', region: { slices: these, near: 'duodenum' } }), [
    'the pancreas does not reach the duodenum on these slices',
    'grow the pancreas towards the duodenum on these slices',
    'on these slices the pancreas misses the part next to the duodenum',
  ]),
  ...group(
    'under_sized',
    iv({ action: 'grow', target: 'liver', region: {}, magnitude: { unit: 'percent', value: 10 } }),
    [
      'grow the liver by 10%',
      'enlarge liver by ten percent',
      'the liver should be 10 % bigger',
      'expand the hepatic segmentation by 10 per cent',
    ],
  ),
  ...group(
    'false_positive',
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 0, to: 38 } } }),
    [
      'remove the pancreas label below slice 40',
      'delete pancreas under slice 40',
      'erase the pancreatic label inferior to slice 40',
      'get rid of the pancreas below image 40',
      'no pancreas below slice 40',
    ],
  ),
  ...group(
    'false_positive',
    iv({ action: 'remove', target: 'stomach', region: { point: here } }),
    [
      'remove the stomach label here',
      'delete the stomach at the cursor',
      'the stomach label should not be here',
    ],
    benchmarkContextWithCursor,
  ),
  ...group('stray', iv({ action: 'remove', target: 'pancreas', region: { component: 'stray' } }), [
    'remove the stray pancreas blob',
    'delete the isolated pancreas label',
    'get rid of the pancreas island',
    'the small bit of pancreas away from the organ is wrong, remove it',
  ]),
  ...group(
    'stray',
    iv({ action: 'remove', target: 'stomach', region: { point: here, component: 'pointed' } }),
    ['delete this stomach blob', 'remove the stomach fragment under the cursor'],
    benchmarkContextWithCursor,
  ),
  ...group(
    'relabel',
    iv({ action: 'relabel', target: 'pancreas', from: 'liver', region: { point: here } }),
    [
      'this part is pancreas, not liver',
      'this is not liver, it is pancreas',
      'relabel the liver as pancreas here',
    ],
    benchmarkContextWithCursor,
  ),
  ...group(
    'relabel',
    iv({ action: 'relabel', target: 'kidney_right', from: 'kidney_left', region: { component: 'stray' } }),
    ['take the right kidney label out of the left kidney'],
  ),
  ...group('under', iv({ action: 'grow', target: 'liver', region: { craniocaudal: 'superior' } }), [
    'the liver continues up, add it',
    'the liver is cut off at the top',
    'the top of the liver is missing',
  ]),
  ...group('under', iv({ action: 'grow', target: 'spleen', region: { craniocaudal: 'inferior' } }), [
    'the spleen goes further down',
    'the spleen label ends too high',
  ]),
  ...group(
    'over',
    iv({
      action: 'shrink',
      target: 'liver',
      region: {},
      magnitude: { unit: 'qualitative', level: 'slight' },
    }),
    ['pull the liver in a little', 'tighten the liver a bit', 'trim the liver slightly'],
  ),
  ...group('ambiguous', { kind: 'clarify' }, [
    'remove the small piece of liver',
    'this is pancreas, not liver',
    'delete this blob',

    'the kidney is too big',
    'shrink the kidneys',
    'fix the liver',
    'shrink by 2 mm',
    'the liver and the spleen are too big',
    'the prostate is too big',
    'grow the spleen by 3',
  ]),
  ...group('not_a_correction', { kind: 'refuse' }, [
    'do not touch the spleen',
    'what is the liver volume?',
    'delete the study',
    'shrink the liver by 80 mm',
    'hello there',
  ]),
];

/** Exact agreement: same kind, and for interventions the same action, target, region and magnitude. */
export function scoreInterpretation(result: InterpretResult, expected: ExpectedInterpretation): boolean {
  if (result.kind !== expected.kind) return false;
  if (result.kind !== 'intervention' || expected.kind !== 'intervention') return true;
  return canonical(result.intervention) === canonical(expected.intervention);
}

export interface BenchmarkScore {
  /** Per error type and overall: exact agreements out of commands. */
  perErrorType: Record<string, { correct: number; total: number }>;
  correct: number;
  total: number;
  /** The commands it got wrong, with what it answered. */
  misses: { command: string; errorType: string; answer: InterpretResult }[];
}

/** Runs one interpreter over the command set (one command at a time) and scores it. */
export async function scoreBenchmark(
  interpret: (command: string, context: ViewContext) => Promise<InterpretResult>,
  commands: readonly BenchmarkCommand[] = benchmarkCommands,
): Promise<BenchmarkScore> {
  const score: BenchmarkScore = { perErrorType: {}, correct: 0, total: 0, misses: [] };
  for (const c of commands) {
    const answer = await interpret(c.command, c.context);
    const ok = scoreInterpretation(answer, c.expected);
    const row = (score.perErrorType[c.errorType] ??= { correct: 0, total: 0 });
    row.total += 1;
    score.total += 1;
    if (ok) {
      row.correct += 1;
      score.correct += 1;
    } else {
      score.misses.push({ command: c.command, errorType: c.errorType, answer });
    }
  }
  return score;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${k}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
