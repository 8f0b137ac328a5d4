import { describe, expect, it } from 'vitest';
import {
  applyReport,
  changeLine,
  formatMl,
  formatSeconds,
  mainSideMs,
  type ApplyOutcome,
} from './applyReport';

const outcome: ApplyOutcome = {
  summary: 'Shrink liver · slices 38–46 · near stomach',
  method: 'film',
  changes: [
    { name: 'liver', value: 5, added: 3, removed: 60 },
    { name: 'kidney_left', value: 2, added: 10, removed: 0 },
  ],
  slices: { from: 37, to: 45 },
  voxelsChanged: 73,
  model: { id: 'causal-sam-demo', version: '1' },
  timingsMs: { decoder: 80, gate: 12 },
};

describe('applyReport', () => {
  it('gives each changed structure its voxels and mL before and after', () => {
    const r = applyReport(
      outcome,
      new Map([
        [5, 1000],
        [2, 200],
      ]),
      [3, 3, 3],
      500,
    );
    expect(r.rows[0]).toMatchObject({
      name: 'liver',
      beforeVoxels: 1000,
      afterVoxels: 943,
      added: 3,
      removed: 60,
    });
    expect(r.rows[0].beforeMl).toBeCloseTo(27);
    expect(r.rows[0].afterMl).toBeCloseTo(25.461);
    expect(r.rows[1]).toMatchObject({ name: 'left kidney', beforeVoxels: 200, afterVoxels: 210 });
    expect(r.slices).toBe('slices 38–46');
    expect(r.method).toContain('FiLM');
    // The main side's stages (80 + 12 ms), not the 500 ms round trip.
    expect(r.time).toBe('92 ms');
    expect(changeLine(r.rows[0])).toBe('liver 1000 → 943 voxels (+3 −60), 27.0 → 25.5 mL');
  });

  it('shows a relabel as one edit that moves voxels from one structure to another', () => {
    const r = applyReport(
      {
        ...outcome,
        summary: 'Relabel liver as pancreas · stray pieces only',
        method: 'mask-edit',
        changes: [
          { name: 'liver', value: 5, added: 0, removed: 36 },
          { name: 'pancreas', value: 7, added: 36, removed: 0 },
        ],
      },
      new Map([
        [5, 1000],
        [7, 100],
      ]),
      [1, 1, 1],
      10,
    );
    expect(r.method).toBe('voxels relabelled (one mask edit, one undo)');
    expect(r.rows.map(changeLine)).toEqual([
      'liver 1000 → 964 voxels (+0 −36), 1.0 → 0.96 mL',
      'pancreas 100 → 136 voxels (+36 −0), 0.10 → 0.14 mL',
    ]);
    const removal = applyReport(
      { ...outcome, method: 'mask-edit', changes: [{ name: 'liver', value: 5, added: 0, removed: 36 }] },
      new Map(),
      [1, 1, 1],
      10,
    );
    expect(removal.method).toBe('label removed (mask edit)');
  });

  it('says one slice, keeps the note, and falls back to the round trip without timings', () => {
    const r = applyReport(
      { ...outcome, slices: { from: 4, to: 4 }, note: 'no FiLM for this class', timingsMs: {} },
      new Map(),
      [1, 1, 1],
      1534,
    );
    expect(r.slices).toBe('slice 5');
    expect(r.note).toBe('no FiLM for this class');
    expect(r.time).toBe('1.53 s');
    expect(r.rows[0].beforeVoxels).toBe(0);
  });

  it('prefers a total over the sum of stages, and formats small and large volumes', () => {
    expect(mainSideMs({ total: 40, decoder: 30, encode: 9 })).toBe(40);
    expect(mainSideMs({})).toBeNull();
    expect(formatSeconds(12_345)).toBe('12.3 s');
    expect(formatMl(1234.4)).toBe('1234 mL');
    expect(formatMl(-0.123)).toBe('-0.12 mL');
  });
});
