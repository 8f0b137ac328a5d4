import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../../shared/modelManifest';
import { formatDice, formatHd95, scoreRows, structureClasses } from './modelFacts';

const manifest = {
  scores: {
    referenceLabels: 'TotalSegmentator outputs',
    results: [
      {
        dataset: 'held-out',
        condition: 'original',
        perClass: { liver: { dice: 0.7112, hd95Mm: 25.1 }, spleen: { dice: 0.4 }, aorta: { dice: 0 } },
      },
      { dataset: 'held-out', condition: 'shift', perClass: {} },
    ],
  },
  classes: [
    { index: 0, name: 'background', colorRgb: [0, 0, 0] },
    { index: 1, name: 'liver', colorRgb: [221, 130, 101] },
  ],
} as unknown as ModelManifest;

describe('model facts', () => {
  it('summarises each scored condition and keeps every class score', () => {
    const [original, shift] = scoreRows(manifest);
    expect(original).toMatchObject({ condition: 'original', found: 2, scored: 3 });
    expect(original.meanDice).toBeCloseTo((0.7112 + 0.4) / 3, 6);
    expect(original.classes[0]).toEqual({ name: 'liver', dice: 0.7112, hd95Mm: 25.1 });
    expect(shift).toMatchObject({ meanDice: 0, found: 0, scored: 0 });
  });

  it('formats scores and leaves background out of the classes', () => {
    expect(formatDice(0.7112)).toBe('0.71');
    expect(formatHd95(25.14)).toBe('25.1 mm');
    expect(formatHd95(undefined)).toBe('–');
    expect(structureClasses(manifest).map((c) => c.name)).toEqual(['liver']);
  });
});
