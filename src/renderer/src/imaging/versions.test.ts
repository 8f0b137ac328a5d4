import { describe, expect, it } from 'vitest';
import { applyEdit, editMismatch, EditHistory, type LabelEdit } from './editHistory';
import type { Vec3 } from '../../../shared/volume';
import { segAlgorithm, stepsTo, strokeLabel, versionRows, type Version } from './versions';

const edit = (indices: number[], before: number[], after: number[], layer = 0): LabelEdit => ({
  layer,
  indices: Uint32Array.from(indices),
  before: Uint16Array.from(before),
  after: Uint16Array.from(after),
});
const version = (id: number, label: string, e = edit([id], [0], [1])): Version => ({
  ...e,
  id,
  kind: 'intervention',
  label,
});

describe('edit application', () => {
  it('applies an edit from elsewhere only onto the voxels it was computed from', () => {
    const labels = Uint8Array.from([0, 5, 5, 0, 2]);
    const shrink = edit([1, 2], [5, 5], [0, 0]);
    expect(editMismatch([labels], shrink)).toBeNull();
    applyEdit([labels], shrink, 'redo');
    expect([...labels]).toEqual([0, 0, 0, 0, 2]);
    // The same edit again no longer fits: its `before` is gone.
    expect(editMismatch([labels], shrink)).toMatch(/changed/);
    applyEdit([labels], shrink, 'undo');
    expect([...labels]).toEqual([0, 5, 5, 0, 2]);
  });

  it('refuses edits for missing layers, out-of-range voxels and ragged arrays', () => {
    const labels = new Uint8Array(4);
    expect(editMismatch([labels], edit([0], [0], [1], 1))).toMatch(/no layer 1/);
    expect(editMismatch([labels], edit([9], [0], [1]))).toMatch(/outside/);
    expect(editMismatch([labels], { ...edit([0, 1], [0, 0], [1, 1]), after: Uint16Array.from([1]) })).toMatch(
      /malformed/,
    );
  });
});

describe('versions', () => {
  it('labels strokes with what they painted or erased', () => {
    const stroke = edit([0, 1, 2], [0, 0, 5], [5, 5, 5]);
    expect(strokeLabel('brush', 'liver', 5, stroke)).toBe('Brush · liver · +2 voxels');
    const erase = edit([0, 1], [5, 5], [0, 0]);
    expect(strokeLabel('eraser', 'liver', 5, erase)).toBe('Eraser · liver · \u22122 voxels');
  });

  it('lists the original, applied and undone versions with the current one marked', () => {
    const history = new EditHistory<Version>();
    history.push(version(1, 'Brush · liver · +3 voxels'));
    history.push(version(2, 'Shrink liver · slices 38–46'));
    history.push(version(3, 'Grow spleen'));
    expect(history.undo()?.id).toBe(3);
    expect(history.undo()?.id).toBe(2);
    const rows = versionRows(history.applied, history.undoneInRedoOrder);
    expect(rows.map((r) => [r.label, r.current, r.undone])).toEqual([
      ['As loaded', false, false],
      ['Brush · liver · +3 voxels', true, false],
      ['Shrink liver · slices 38–46', false, true],
      ['Grow spleen', false, true],
    ]);
    // Redo order: the next redo brings back version 2, then 3.
    expect(stepsTo(rows, 3)).toBe(2);
    expect(stepsTo(rows, 0)).toBe(-1);
    expect(history.redo()?.id).toBe(2);
  });

  it('marks the original as current when everything is undone, and says so when history was cut', () => {
    const history = new EditHistory<Version>(2);
    for (const id of [1, 2, 3]) history.push(version(id, `v${id}`));
    const rows = versionRows(history.applied, history.undoneInRedoOrder, history.truncated);
    expect(rows.map((r) => r.label)).toEqual(['Earliest kept version', 'v2', 'v3']);
    history.undo();
    history.undo();
    const back = versionRows(history.applied, history.undoneInRedoOrder, history.truncated);
    expect(back[0].current).toBe(true);
    expect(back.filter((r) => r.undone).map((r) => r.id)).toEqual([2, 3]);
  });
});

describe('how the segmentation was made (DICOM SEG algorithm)', () => {
  const model = { id: 'causal-sam-demo', version: '0.1.0' };
  const v = (id: number, kind: Version['kind'], automatic?: boolean): Version => ({
    ...edit([id], [0], [5]),
    id,
    kind,
    label: kind,
    ...(automatic === undefined ? {} : { model: { ...model, automatic } }),
  });

  it('is automatic while the model result is the current version', () => {
    expect(segAlgorithm([v(1, 'brush'), v(2, 'model', true)], null)).toEqual({
      name: 'causal-sam-demo',
      version: '0.1.0',
      type: 'AUTOMATIC',
    });
    expect(segAlgorithm([], { ...model, automatic: true })?.type).toBe('AUTOMATIC');
  });
  it('is semi-automatic once a person prompted, painted or corrected', () => {
    expect(segAlgorithm([v(1, 'model', true), v(2, 'intervention')], null)?.type).toBe('SEMIAUTOMATIC');
    expect(segAlgorithm([v(1, 'model', false)], null)?.type).toBe('SEMIAUTOMATIC');
    expect(segAlgorithm([v(1, 'brush')], { ...model, automatic: true })?.type).toBe('SEMIAUTOMATIC');
  });
  it('is manual (no algorithm) when no model took part', () => {
    expect(segAlgorithm([v(1, 'brush'), v(2, 'eraser')], null)).toBeUndefined();
  });
  it('marks only the segments a person edited as SEMIAUTOMATIC', () => {
    const segments = [5, 6, 7].map((value) => ({
      value,
      layer: 0,
      name: `s${value}`,
      colorRgb: [0, 0, 0] as Vec3,
    }));
    const result: Version = { ...v(1, 'model', true), segments: { before: [], after: segments } };
    const brushOn6: Version = { ...edit([9, 10], [0, 0], [6, 6]), id: 2, kind: 'brush', label: 'brush' };
    expect(segAlgorithm([result, brushOn6], null, segments)).toEqual({
      name: 'causal-sam-demo',
      version: '0.1.0',
      type: 'SEMIAUTOMATIC',
      segments: [
        { value: 5, type: 'AUTOMATIC' },
        { value: 6, type: 'SEMIAUTOMATIC' },
        { value: 7, type: 'AUTOMATIC' },
      ],
    });
    // A loaded file replaces everything before it: its making is unknown (MANUAL).
    const load: Version = {
      ...edit([], [], []),
      id: 3,
      kind: 'load',
      label: 'Loaded',
      swap: {} as Version['swap'],
    };
    expect(segAlgorithm([result, brushOn6, load], null, segments)).toBeUndefined();
  });
});
