import { describe, expect, it } from 'vitest';
import type { Axes3 } from '../../../src/shared/volume';
import {
  axialAxis,
  superiorIsIncreasing,
  checkIntervention,
  describeIntervention,
  displayName,
  interpretResultSchema,
  interventionJsonSchema,
  interventionSchema,
  type Intervention,
} from '../../../src/shared/intervention';
import { benchmarkContext, interpretBuiltIn } from '../../../src/main/services/intervention';
import {
  llmAnswerJsonSchema,
  stripNulls,
  toGrammarJson,
  toGrammarSchema,
} from '../../../src/main/services/intervention/grammarSchema';
import { buildPrompt, describeView, promptExamples } from '../../../src/main/services/intervention/prompt';

const ctx = benchmarkContext;

describe('intervention schema', () => {
  it('validates interventions and rejects malformed ones', () => {
    const ok: Intervention = { action: 'shrink', target: 'liver', region: { slices: { from: 3, to: 9 } } };
    expect(interventionSchema.parse(ok)).toEqual(ok);
    expect(interventionSchema.safeParse({ ...ok, region: { slices: { from: 9, to: 3 } } }).success).toBe(
      false,
    );
    expect(interventionSchema.safeParse({ ...ok, action: 'exclude_leak' }).success).toBe(false);
    expect(interventionSchema.safeParse({ ...ok, target: 'left kidney' }).success).toBe(false);
    expect(interventionSchema.safeParse({ ...ok, magnitude: { unit: 'mm', value: -2 } }).success).toBe(false);
    expect(interventionSchema.safeParse({ ...ok, region: { side: 'middle' } }).success).toBe(false);
  });

  it('finds the axial axis and its superior direction from the volume axes', () => {
    const axial: Axes3 = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(axialAxis(axial)).toBe(2);
    expect(superiorIsIncreasing(axial)).toBe(true);
    const feetFirst: Axes3 = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, -1],
    ];
    expect(superiorIsIncreasing(feetFirst)).toBe(false);
    const sagittal: Axes3 = [
      [0, 0, -1],
      [0, 1, 0],
      [1, 0, 0],
    ];
    expect(axialAxis(sagittal)).toBe(0);
    expect(superiorIsIncreasing(sagittal)).toBe(false);
  });

  it('is exported as a JSON Schema', () => {
    const schema = interventionJsonSchema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(['action', 'target', 'from', 'region', 'magnitude']);
    expect(schema.required).toEqual(['action', 'target', 'region']);
  });

  it('describes interventions in one readable line', () => {
    expect(displayName('kidney_left')).toBe('left kidney');
    expect(displayName('vertebrae_L1')).toBe('vertebrae L1');
    expect(describeIntervention({ action: 'shrink', target: 'liver', region: {} })).toBe(
      'Shrink liver · whole structure',
    );
    expect(
      describeIntervention({
        action: 'grow',
        target: 'spleen',
        region: {
          point: { i: 1, j: 2, k: 3, radiusMm: 15 },
          anteroposterior: 'posterior',
          mediolateral: 'lateral',
        },
        magnitude: { unit: 'qualitative', level: 'slight' },
      }),
    ).toBe('Grow spleen · within 15 mm of (1, 2, 3) · posterior part · lateral part · slightly');
    expect(
      describeIntervention({
        action: 'shrink',
        target: 'liver',
        region: { slices: { from: 9, to: 9 }, craniocaudal: 'superior', side: 'right' },
        magnitude: { unit: 'percent', value: 10 },
      }),
    ).toBe('Shrink liver · slice 10 · upper part · right side · by 10 %');
  });

  it('checks an intervention against the view', () => {
    const base: Intervention = { action: 'shrink', target: 'liver', region: {} };
    expect(checkIntervention(base, ctx).kind).toBe('intervention');
    expect(checkIntervention({ ...base, target: 'prostate' }, ctx).kind).toBe('clarify');
    expect(checkIntervention({ ...base, region: { near: 'liver' } }, ctx).kind).toBe('clarify');
    expect(checkIntervention({ ...base, region: { near: 'heart' } }, ctx).kind).toBe('clarify');
    expect(checkIntervention({ ...base, region: { slices: { from: 100, to: 130 } } }, ctx).kind).toBe(
      'clarify',
    );
    expect(checkIntervention({ ...base, magnitude: { unit: 'mm', value: 31 } }, ctx).kind).toBe('refuse');
    expect(checkIntervention({ ...base, magnitude: { unit: 'percent', value: 91 } }, ctx).kind).toBe(
      'refuse',
    );
    expect(
      checkIntervention({ ...base, action: 'grow', magnitude: { unit: 'percent', value: 150 } }, ctx).kind,
    ).toBe('intervention');
    for (const result of [checkIntervention(base, ctx), checkIntervention({ ...base, target: 'x' }, ctx)]) {
      expect(interpretResultSchema.safeParse(result).success).toBe(true);
    }
  });
});

describe('LLM grammar derived from the schema', () => {
  it('turns optional keys into nullable ones and anyOf into oneOf', () => {
    const grammar = toGrammarSchema(llmAnswerJsonSchema) as unknown as {
      oneOf: { properties: Record<string, unknown> }[];
    };
    expect(grammar.oneOf).toHaveLength(3);
    const intervention = grammar.oneOf[0].properties.intervention as { properties: Record<string, unknown> };
    expect(intervention.properties.magnitude).toMatchObject({
      oneOf: [{ oneOf: expect.any(Array) }, { type: 'null' }],
    });
    expect(JSON.stringify(grammar)).not.toMatch(/anyOf|minimum|pattern|\$schema/);
  });

  it('limits structure names to an enum when asked', () => {
    const grammar = toGrammarSchema(llmAnswerJsonSchema, { stringEnums: { target: ['liver'] } });
    expect(JSON.stringify(grammar)).toContain('"target":{"enum":["liver"]}');
  });

  it('refuses JSON Schema it cannot express', () => {
    expect(() => toGrammarSchema({ $ref: '#/$defs/x' })).toThrow(/cannot express/);
  });

  it('writes examples exactly as the grammar generates them and reads them back', () => {
    const text = toGrammarJson({ kind: 'refuse', reason: 'no' });
    expect(text).toBe('{"kind":"refuse","reason":"no"}');
    const full = toGrammarJson(promptExamples[0].answer);
    expect(full).toContain('"point":null');
    expect(stripNulls(JSON.parse(full))).toEqual(promptExamples[0].answer);
  });
});

describe('prompt', () => {
  it('writes the view with every slice range computed', () => {
    const view = describeView({ ...ctx, superiorIsIncreasingK: false, cursor: { i: 1, j: 2, k: 41 } });
    expect(view).toContain('these slices 37-45');
    expect(view).toContain('above this slice 0-40');
    expect(view).toContain('below this slice 42-119');
    expect(view).toContain('cursor i=1 j=2 k=41');
    const prompt = buildPrompt('shrink the liver', ctx, 2);
    expect(prompt.match(/Command:/g)).toHaveLength(3);
    expect(prompt.endsWith('Command: shrink the liver\nJSON: ')).toBe(true);
  });

  it('teaches the LLM what the built-in interpreter answers', () => {
    for (const example of promptExamples) {
      const builtIn = interpretBuiltIn(example.command, ctx);
      expect(builtIn.kind, example.command).toBe(example.answer.kind);
      if (builtIn.kind === 'intervention' && example.answer.kind === 'intervention') {
        expect(builtIn.intervention).toEqual(example.answer.intervention);
      }
    }
  });
});
