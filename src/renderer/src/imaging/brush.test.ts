import { describe, expect, it } from 'vitest';
import { brushDisc } from './brush';
import { applyEdit, EditHistory, StrokeRecorder } from './editHistory';

const g = {
  dims: [20, 20, 10] as [number, number, number],
  spacingMm: [1, 1, 3] as [number, number, number],
};

describe('brush', () => {
  it('covers a disc in millimetres on the current slice only', () => {
    const disc = brushDisc(g, [10, 10, 4], 2, 2);
    // Voxels within 2 mm of the centre on a 1 mm grid: 13 (the 5×5 square minus its 12 far cells).
    expect(disc.length).toBe(13);
    expect(disc.every((n) => Math.floor(n / 400) === 4)).toBe(true);
  });

  it('respects anisotropic spacing: 3 mm slices make a narrower disc along k', () => {
    const disc = brushDisc(g, [10, 5, 5], 3, 1);
    const ks = new Set(disc.map((n) => Math.floor(n / 400)));
    expect([...ks].sort()).toEqual([4, 5, 6]);
  });

  it('paints at least the voxel under the cursor and clips at the edges', () => {
    expect(brushDisc(g, [0, 0, 0], 0.1, 2)).toEqual([0]);
    expect(brushDisc(g, [0, 0, 0], 1, 2).length).toBe(3);
    expect(brushDisc(g, [0, 0, 12], 1, 2)).toEqual([]);
  });
});

describe('edit history', () => {
  it('undo restores exactly the voxels a stroke changed, redo reapplies them', () => {
    const labels = new Uint8Array([0, 3, 5, 0, 0]);
    const stroke = new StrokeRecorder(0);
    stroke.paint(labels, [0, 1, 2], 5);
    stroke.paint(labels, [2, 3], 5);
    const edit = stroke.finish()!;
    expect([...edit.indices]).toEqual([0, 1, 3]);
    expect([...labels]).toEqual([5, 5, 5, 5, 0]);
    const history = new EditHistory();
    history.push(edit);
    applyEdit([labels], history.undo()!, 'undo');
    expect([...labels]).toEqual([0, 3, 5, 0, 0]);
    applyEdit([labels], history.redo()!, 'redo');
    expect([...labels]).toEqual([5, 5, 5, 5, 0]);
  });

  it('an eraser only removes the selected label', () => {
    const labels = new Uint8Array([5, 3, 5]);
    const stroke = new StrokeRecorder(0);
    stroke.paint(labels, [0, 1, 2], 0, (old) => old !== 5);
    expect([...labels]).toEqual([0, 3, 0]);
    expect(stroke.finish()!.indices.length).toBe(2);
  });

  it('a stroke that changes nothing records nothing', () => {
    expect(new StrokeRecorder(0).finish()).toBeNull();
  });
});
