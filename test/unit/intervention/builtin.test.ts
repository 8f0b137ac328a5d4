import { describe, expect, it } from 'vitest';
import {
  describeIntervention,
  interpretResultSchema,
  type InterpretResult,
  type Intervention,
  type ViewContext,
} from '../../../src/shared/intervention';
import { interpretBuiltIn, normaliseCommand } from '../../../src/main/services/intervention/builtin';
import {
  benchmarkCommands,
  benchmarkContext,
  benchmarkContextWithCursor,
  scoreBenchmark,
  scoreInterpretation,
  type ExpectedInterpretation,
} from '../../../src/main/services/intervention/benchmarkCommands';

const ctx = benchmarkContext;
const iv = (intervention: Intervention): ExpectedInterpretation => ({ kind: 'intervention', intervention });
const clarify: ExpectedInterpretation = { kind: 'clarify' };
const refuse: ExpectedInterpretation = { kind: 'refuse' };

/** Cases beyond the benchmark: context handling, negation, units, edge phrasings. */
const extraCases: [string, ViewContext, ExpectedInterpretation][] = [
  // Selection and visibility resolve "it" and "the kidney".
  [
    'shrink it by 2 mm',
    { ...ctx, selectedStructure: 'spleen' },
    iv({ action: 'shrink', target: 'spleen', region: {}, magnitude: { unit: 'mm', value: 2 } }),
  ],
  ['shrink it by 2 mm', ctx, clarify],
  [
    'the kidney is too big',
    { ...ctx, selectedStructure: 'kidney_left' },
    iv({ action: 'shrink', target: 'kidney_left', region: {} }),
  ],
  [
    'the kidney is too big',
    { ...ctx, visibleStructures: ['liver', 'kidney_right'] },
    iv({ action: 'shrink', target: 'kidney_right', region: {} }),
  ],
  ['the spleen is too big', { ...ctx, visibleStructures: ['liver'] }, clarify],
  ['the liver leaks into the prostate', ctx, clarify],
  [
    'shrink the left lung',
    { ...ctx, visibleStructures: ['lung_upper_lobe_left', 'lung_lower_lobe_left'] },
    clarify,
  ],
  ['the liver is too big and too small', ctx, clarify],
  ['the liver is too big at the upper and lower end', ctx, clarify],
  // Slices: ranges, bounds, patient direction.
  [
    'remove the pancreas label below slice 40',
    { ...ctx, superiorIsIncreasingK: false },
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 40, to: 119 } } }),
  ],
  [
    'remove the pancreas label above slice 40',
    ctx,
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 40, to: 119 } } }),
  ],
  [
    'the liver is too big between slices 38 and 46',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: { from: 37, to: 45 } } }),
  ],
  [
    'on slices 50-60 the spleen is undersegmented',
    ctx,
    iv({ action: 'grow', target: 'spleen', region: { slices: { from: 49, to: 59 } } }),
  ],
  [
    'from slice 30 to 35 remove the duodenum',
    ctx,
    iv({ action: 'remove', target: 'duodenum', region: { slices: { from: 29, to: 34 } } }),
  ],
  [
    'fill the hole in the liver on slice 43',
    ctx,
    iv({ action: 'grow', target: 'liver', region: { slices: { from: 42, to: 42 } } }),
  ],
  [
    'from here up the liver is too big',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: { from: 41, to: 119 } } }),
  ],
  [
    'the liver is too big below this slice',
    { ...ctx, superiorIsIncreasingK: false },
    iv({ action: 'shrink', target: 'liver', region: { slices: { from: 42, to: 119 } } }),
  ],
  [
    'the liver is too big on this slice',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: { from: 41, to: 41 } } }),
  ],
  [
    'the liver is too big here',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: { from: 41, to: 41 } } }),
  ],
  [
    'remove the liver label from slice 100 up',
    ctx,
    iv({ action: 'remove', target: 'liver', region: { slices: { from: 99, to: 119 } } }),
  ],
  [
    'slice 40 and below: remove the pancreas',
    { ...ctx, superiorIsIncreasingK: false },
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 39, to: 119 } } }),
  ],
  [
    'from slice 30 onwards the duodenum is too big',
    ctx,
    iv({ action: 'shrink', target: 'duodenum', region: { slices: { from: 29, to: 119 } } }),
  ],
  ['remove the liver on slice 500', ctx, clarify],
  ['remove the liver on slice 0', ctx, clarify],
  ['remove the liver above slice 120', ctx, clarify],
  [
    'these slices: the stomach is too big',
    { ...ctx, currentSlice: 1 },
    iv({ action: 'shrink', target: 'stomach', region: { slices: { from: 0, to: 5 } } }),
  ],
  // Parts of a structure.
  [
    'the anterior part of the liver is leaking into the stomach',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { anteroposterior: 'anterior', near: 'stomach' } }),
  ],
  [
    'the medial part of the right kidney is missing',
    ctx,
    iv({ action: 'grow', target: 'kidney_right', region: { mediolateral: 'medial' } }),
  ],
  [
    "the liver's left side is too big",
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { side: 'left' } }),
  ],
  [
    'include the upper pole of the right kidney',
    ctx,
    iv({ action: 'grow', target: 'kidney_right', region: { craniocaudal: 'superior' } }),
  ],
  [
    'the posterior spleen is cut off',
    ctx,
    iv({ action: 'grow', target: 'spleen', region: { anteroposterior: 'posterior' } }),
  ],
  // Magnitudes.
  [
    'shrink the liver slightly',
    ctx,
    iv({
      action: 'shrink',
      target: 'liver',
      region: {},
      magnitude: { unit: 'qualitative', level: 'slight' },
    }),
  ],
  [
    'the spleen is way too big',
    ctx,
    iv({
      action: 'shrink',
      target: 'spleen',
      region: {},
      magnitude: { unit: 'qualitative', level: 'marked' },
    }),
  ],
  [
    'grow the aorta by 1.5 mm',
    ctx,
    iv({ action: 'grow', target: 'aorta', region: {}, magnitude: { unit: 'mm', value: 1.5 } }),
  ],
  [
    'grow the aorta by two and a half millimeters',
    ctx,
    iv({ action: 'grow', target: 'aorta', region: {}, magnitude: { unit: 'mm', value: 2.5 } }),
  ],
  [
    'remove 2 mm of the gallbladder',
    ctx,
    iv({ action: 'shrink', target: 'gallbladder', region: {}, magnitude: { unit: 'mm', value: 2 } }),
  ],
  ['shrink the liver by 3 voxels', ctx, clarify],
  ['shrink the stomach by 95%', ctx, refuse],
  // Synonyms.
  [
    'IVC leaks into the aorta',
    ctx,
    iv({ action: 'shrink', target: 'inferior_vena_cava', region: { near: 'aorta' } }),
  ],
  ['the gastric label is too big', ctx, iv({ action: 'shrink', target: 'stomach', region: {} })],
  ['rt kidney too small', ctx, iv({ action: 'grow', target: 'kidney_right', region: {} })],
  ['Kidney, Right is oversegmented', ctx, iv({ action: 'shrink', target: 'kidney_right', region: {} })],
  ['add the gallbladder', ctx, iv({ action: 'grow', target: 'gallbladder', region: {} })],
  ['can you shrink the spleen?', ctx, iv({ action: 'shrink', target: 'spleen', region: {} })],
  ['The Liver Is Larger Than It Should Be', ctx, iv({ action: 'shrink', target: 'liver', region: {} })],
  // Negation, denial, non-commands.
  ["shrink the liver, don't touch the spleen", ctx, iv({ action: 'shrink', target: 'liver', region: {} })],
  ['not the liver', ctx, refuse],
  ['leave the spleen alone', ctx, refuse],
  ['shrink the liver but not near the stomach', ctx, clarify],
  ['this is not liver', benchmarkContextWithCursor, clarify],
  [
    'this is not liver, remove it',
    benchmarkContextWithCursor,
    iv({ action: 'remove', target: 'liver', region: { point: { i: 200, j: 180, k: 41, radiusMm: 15 } } }),
  ],
  ['is the spleen too big?', ctx, refuse],
  ['undo', ctx, refuse],
  ['', ctx, refuse],
  ['remove all labels', ctx, refuse],
  ['the liver here', ctx, clarify],
];

/**
 * Written after the rules, in two rounds, each run once before any rule changed (first-try scores:
 * 36/44 and 28/30); the misses were fixed and the phrasings kept as regression cases.
 */
const cur = benchmarkContextWithCursor;
const these = { from: 37, to: 45 };
const here = { i: 200, j: 180, k: 41, radiusMm: 15 };
const laterCases: [string, ViewContext, ExpectedInterpretation][] = [
  [
    'liver segmentation extends into the stomach on these slices',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'the stomach is being covered by the liver label on these slices',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'liver creeping into stomach, these slices',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'pull the liver back from the stomach on these slices',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'spleen overlaps left kidney',
    ctx,
    iv({ action: 'shrink', target: 'spleen', region: { near: 'kidney_left' } }),
  ],
  [
    'the pancreas label is eating into the duodenum',
    ctx,
    iv({ action: 'shrink', target: 'pancreas', region: { near: 'duodenum' } }),
  ],
  ['gallbladder is oversized', ctx, iv({ action: 'shrink', target: 'gallbladder', region: {} })],
  ['GB too big', ctx, iv({ action: 'shrink', target: 'gallbladder', region: {} })],
  ['reduce the gallbladder', ctx, iv({ action: 'shrink', target: 'gallbladder', region: {} })],
  ['the spleen outline is too generous', ctx, iv({ action: 'shrink', target: 'spleen', region: {} })],
  [
    'tighten the spleen by 2 mm',
    ctx,
    iv({ action: 'shrink', target: 'spleen', region: {}, magnitude: { unit: 'mm', value: 2 } }),
  ],
  [
    'spleen: shrink 5 millimeters',
    ctx,
    iv({ action: 'shrink', target: 'spleen', region: {}, magnitude: { unit: 'mm', value: 5 } }),
  ],
  [
    'make the aorta 1 mm thinner',
    ctx,
    iv({ action: 'shrink', target: 'aorta', region: {}, magnitude: { unit: 'mm', value: 1 } }),
  ],
  [
    'the left kidney lower pole was missed',
    ctx,
    iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }),
  ],
  [
    'segmentation misses the inferior pole of the left kidney',
    ctx,
    iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }),
  ],
  [
    'extend the left kidney downwards',
    ctx,
    iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }),
  ],
  [
    'the upper pole of the right kidney is not segmented',
    ctx,
    iv({ action: 'grow', target: 'kidney_right', region: { craniocaudal: 'superior' } }),
  ],
  [
    'the liver dome is cut off',
    ctx,
    iv({ action: 'grow', target: 'liver', region: { craniocaudal: 'superior' } }),
  ],
  [
    'liver is undersegmented near the gallbladder',
    ctx,
    iv({ action: 'grow', target: 'liver', region: { near: 'gallbladder' } }),
  ],
  ['the pancreatic tail is missing', ctx, clarify],
  [
    'grow pancreas 2mm',
    ctx,
    iv({ action: 'grow', target: 'pancreas', region: {}, magnitude: { unit: 'mm', value: 2 } }),
  ],
  [
    'make the liver 5% larger',
    ctx,
    iv({ action: 'grow', target: 'liver', region: {}, magnitude: { unit: 'percent', value: 5 } }),
  ],
  [
    'shrink the liver by 20 percent',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: {}, magnitude: { unit: 'percent', value: 20 } }),
  ],
  [
    'delete the pancreas below slice 40',
    ctx,
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 0, to: 38 } } }),
  ],
  [
    'pancreas label should not extend below slice 40',
    ctx,
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 0, to: 38 } } }),
  ],
  [
    'remove pancreas on slices 10-20',
    ctx,
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 9, to: 19 } } }),
  ],
  [
    'clear the duodenum label on this slice',
    ctx,
    iv({ action: 'remove', target: 'duodenum', region: { slices: { from: 41, to: 41 } } }),
  ],
  ['there is no stomach here', cur, iv({ action: 'remove', target: 'stomach', region: { point: here } })],
  ['false positive stomach here', cur, iv({ action: 'remove', target: 'stomach', region: { point: here } })],
  [
    'the IVC is too fat on these slices',
    ctx,
    iv({ action: 'shrink', target: 'inferior_vena_cava', region: { slices: these } }),
  ],
  [
    'aorta leaks into the IVC here',
    cur,
    iv({ action: 'shrink', target: 'aorta', region: { point: here, near: 'inferior_vena_cava' } }),
  ],
  [
    'the right kidney is too small posteriorly',
    ctx,
    iv({ action: 'grow', target: 'kidney_right', region: { anteroposterior: 'posterior' } }),
  ],
  [
    'shrink the liver laterally',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { mediolateral: 'lateral' } }),
  ],
  [
    'above slice 60 the stomach is too big',
    ctx,
    iv({ action: 'shrink', target: 'stomach', region: { slices: { from: 60, to: 119 } } }),
  ],
  ['kidneys are too big', ctx, clarify],
  ['fix it', ctx, clarify],
  ['shrink the liver and the spleen', ctx, clarify],
  ['the heart is too big', ctx, clarify],
  ['grow the liver by 5', ctx, clarify],
  ['please do not change the liver', ctx, refuse],
  ['how accurate is this segmentation?', ctx, refuse],
  ['open the next study', ctx, refuse],
  ['grow the spleen by 10 cm', ctx, refuse],
  ['thanks', ctx, refuse],
  [
    'Liver contour bleeds over into stomach, slices 38-46',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'liver mask too generous next to stomach on these slices',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'trim the liver where it touches the stomach on these slices',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: { slices: these, near: 'stomach' } }),
  ],
  [
    'the splenic contour crosses into the left kidney',
    ctx,
    iv({ action: 'shrink', target: 'spleen', region: { near: 'kidney_left' } }),
  ],
  [
    'stomach label spilling into spleen here',
    cur,
    iv({ action: 'shrink', target: 'stomach', region: { point: here, near: 'spleen' } }),
  ],
  ['the gallbladder is over-segmented', ctx, iv({ action: 'shrink', target: 'gallbladder', region: {} })],
  [
    'make the gallbladder a bit smaller',
    ctx,
    iv({
      action: 'shrink',
      target: 'gallbladder',
      region: {},
      magnitude: { unit: 'qualitative', level: 'slight' },
    }),
  ],
  [
    'spleen 4 mm too large',
    ctx,
    iv({ action: 'shrink', target: 'spleen', region: {}, magnitude: { unit: 'mm', value: 4 } }),
  ],
  [
    'erode liver 1mm',
    ctx,
    iv({ action: 'shrink', target: 'liver', region: {}, magnitude: { unit: 'mm', value: 1 } }),
  ],
  [
    'lower pole left kidney missed',
    ctx,
    iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }),
  ],
  [
    'you left out the bottom of the left kidney',
    ctx,
    iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }),
  ],
  [
    'the lt kidney is incomplete inferiorly',
    ctx,
    iv({ action: 'grow', target: 'kidney_left', region: { craniocaudal: 'inferior' } }),
  ],
  [
    'R kidney upper pole missing',
    ctx,
    iv({ action: 'grow', target: 'kidney_right', region: { craniocaudal: 'superior' } }),
  ],
  ['the spleen should be bigger', ctx, iv({ action: 'grow', target: 'spleen', region: {} })],
  [
    'expand the aorta by 2 millimetres on these slices',
    ctx,
    iv({ action: 'grow', target: 'aorta', region: { slices: these }, magnitude: { unit: 'mm', value: 2 } }),
  ],
  ['the duodenum is too thin here', cur, iv({ action: 'grow', target: 'duodenum', region: { point: here } })],
  [
    'add the missing part of the liver near the gallbladder',
    ctx,
    iv({ action: 'grow', target: 'liver', region: { near: 'gallbladder' } }),
  ],
  [
    'erase pancreas below slice 40',
    ctx,
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 0, to: 38 } } }),
  ],
  [
    'remove the pancreas under the current slice',
    ctx,
    iv({ action: 'remove', target: 'pancreas', region: { slices: { from: 0, to: 40 } } }),
  ],
  [
    'get rid of the gallbladder label on slices 50 to 55',
    ctx,
    iv({ action: 'remove', target: 'gallbladder', region: { slices: { from: 49, to: 54 } } }),
  ],
  [
    'that is not stomach, delete it',
    cur,
    iv({ action: 'remove', target: 'stomach', region: { point: here } }),
  ],
  ['this is not the spleen', cur, clarify],
  ['the kidney lower pole is missing', ctx, clarify],
  ['make it smaller', ctx, clarify],
  ['shrink the liver by 3 mm and grow the spleen', ctx, clarify],
  ['grow the bladder', ctx, clarify],
  ['shrink the liver by 2 inches', ctx, clarify],
  ['leave the stomach as it is', ctx, refuse],
  ['show me the liver', ctx, refuse],
  ['shrink the spleen by 500%', ctx, refuse],
];

const cases = [
  ...benchmarkCommands.map((b) => [b.command, b.context, b.expected] as const),
  ...extraCases,
  ...laterCases,
];

function show(result: InterpretResult): string {
  return result.kind === 'intervention'
    ? JSON.stringify(result.intervention)
    : `${result.kind}: ${result.kind === 'clarify' ? result.question : result.reason}`;
}

describe('built-in interpreter', () => {
  it('has a table of at least 60 phrasings', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('%s', (command, context, expected) => {
    const result = interpretBuiltIn(command, context);
    expect(interpretResultSchema.safeParse(result).success).toBe(true);
    expect(scoreInterpretation(result, expected), show(result)).toBe(true);
    if (result.kind === 'intervention')
      expect(result.summary).toBe(describeIntervention(result.intervention));
  });

  it('offers options that are themselves complete commands', () => {
    const withOptions = [
      interpretBuiltIn('the kidney is too big', ctx),
      interpretBuiltIn('this is not liver', benchmarkContextWithCursor),
      interpretBuiltIn('the liver on these slices', ctx),
      interpretBuiltIn('shrink by 2 mm', ctx),
    ];
    for (const result of withOptions) {
      expect(result.kind).toBe('clarify');
      if (result.kind !== 'clarify') continue;
      expect(result.options?.length).toBeGreaterThan(0);
      for (const option of result.options ?? []) {
        const again = interpretBuiltIn(option, benchmarkContextWithCursor);
        expect(again.kind, `${option} → ${show(again)}`).toBe('intervention');
      }
    }
  });

  it('scores 100 % on the benchmark command set', async () => {
    const score = await scoreBenchmark(async (command, context) => interpretBuiltIn(command, context));
    console.log('built-in benchmark:', JSON.stringify(score.perErrorType));
    expect(score.misses).toEqual([]);
    expect(score.total).toBe(benchmarkCommands.length);
  });

  it('normalises spelling before reading', () => {
    expect(normaliseCommand("Don't touch the Spleen — 3mm")).toBe('do not touch the spleen - 3 mm');
    expect(normaliseCommand('twenty five millimetres')).toBe('25 millimetres');
    expect(normaliseCommand('by 2,5mm')).toBe('by 2.5 mm');
  });

  it('summarises in the readable line the app shows', () => {
    const result = interpretBuiltIn('the liver is leaking into the stomach on these slices', ctx);
    expect(result.kind === 'intervention' && result.summary).toBe(
      'Shrink liver · slices 38–46 · near stomach',
    );
    const pole = interpretBuiltIn('you missed the lower pole of the left kidney', ctx);
    expect(pole.kind === 'intervention' && pole.summary).toBe(
      'Grow left kidney · lower pole · beyond its current end',
    );
    const removal = interpretBuiltIn('remove the pancreas label below slice 40', ctx);
    expect(removal.kind === 'intervention' && removal.summary).toBe('Remove pancreas label · slices 1–39');
  });
});
