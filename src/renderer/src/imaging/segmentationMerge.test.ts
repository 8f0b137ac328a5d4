import { describe, expect, it } from 'vitest';
import type { Segmentation, SegmentInfo } from '../../../shared/volume';
import { applyEdit, EditHistory } from './editHistory';
import {
  emptyLike,
  nextFreeValue,
  promptMergeEdit,
  replaceProblem,
  replacementEdit,
} from './segmentationMerge';

const seg = (labels: number[], segments: SegmentInfo[], type: 'u8' | 'u16' = 'u8'): Segmentation => ({
  dims: [labels.length, 1, 1],
  spacingMm: [1, 1, 1],
  originLps: [0, 0, 0],
  axesLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  layers: [type === 'u8' ? Uint8Array.from(labels) : Uint16Array.from(labels)],
  segments,
});
const info = (value: number, name: string, colorRgb: [number, number, number] = [1, 2, 3]): SegmentInfo => ({
  value,
  layer: 0,
  name,
  colorRgb,
});

describe('replacing the segmentation with a model result', () => {
  it('is one edit of the differing voxels and the segment list, and undo restores both', () => {
    const current = seg([0, 5, 5, 9, 0, 0], [info(5, 'liver'), info(9, 'brushed')]);
    const result = seg([0, 5, 1, 0, 0, 1], [info(1, 'spleen'), info(5, 'liver')]);
    expect(replaceProblem(current, result)).toBeNull();
    const edit = replacementEdit(current, result)!;
    expect([...edit.indices]).toEqual([2, 3, 5]);
    expect([...edit.before]).toEqual([5, 9, 0]);
    expect([...edit.after]).toEqual([1, 0, 1]);
    expect(edit.segments!.after.map((s) => s.name)).toEqual(['spleen', 'liver']);
    expect(edit.segments!.before.map((s) => s.name)).toEqual(['liver', 'brushed']);

    const history = new EditHistory();
    history.push(edit);
    applyEdit(current.layers, edit, 'redo');
    expect([...current.layers[0]]).toEqual([...result.layers[0]]);
    applyEdit(current.layers, history.undo()!, 'undo');
    expect([...current.layers[0]]).toEqual([0, 5, 5, 9, 0, 0]);
  });

  it('is nothing when the result equals what is shown', () => {
    const a = seg([0, 5, 5], [info(5, 'liver')]);
    expect(replacementEdit(a, seg([0, 5, 5], [info(5, 'liver')]))).toBeNull();
  });

  it('starts from an empty map of the right type when nothing is shown', () => {
    const result = seg([0, 300, 2], [info(300, 'x'), info(2, 'y')], 'u16');
    const empty = emptyLike(result);
    expect(empty.layers[0]).toBeInstanceOf(Uint16Array);
    expect(empty.segments).toEqual([]);
    expect(replaceProblem(empty, result)).toBeNull();
    expect([...replacementEdit(empty, result)!.indices]).toEqual([1, 2]);
  });

  it('names what stops an in-place replacement', () => {
    const result = seg([0, 1], [info(1, 'spleen')]);
    expect(replaceProblem(seg([0, 1, 2], []), result)).toMatch(/another grid/);
    const twoLayers = { ...seg([0, 0], []), layers: [new Uint8Array(2), new Uint8Array(2)] };
    expect(replaceProblem(twoLayers, result)).toMatch(/overlapping/);
    expect(replaceProblem(seg([0, 0], []), seg([0, 300], [info(300, 'x')], 'u16'))).toMatch(/cannot hold/);
  });
});

describe('merging a prompt mask as a new segment', () => {
  it('adds the mask with the next free value, over what was there, as one undoable edit', () => {
    const current = seg([0, 5, 5, 0, 0], [info(5, 'liver', [221, 130, 101])]);
    const result = seg([0, 0, 200, 200, 0], [info(200, 'lesion', [255, 0, 0])]);
    const merge = promptMergeEdit(current, result)!;
    expect(merge.segment).toEqual({ value: 6, layer: 0, name: 'lesion', colorRgb: [255, 0, 0] });
    expect(merge.voxels).toBe(2);
    expect([...merge.edit.indices]).toEqual([2, 3]);
    expect([...merge.edit.before]).toEqual([5, 0]);
    expect([...merge.edit.after]).toEqual([6, 6]);
    expect(merge.edit.segments!.after.map((s) => s.value)).toEqual([5, 6]);
    applyEdit(current.layers, merge.edit, 'redo');
    expect([...current.layers[0]]).toEqual([0, 5, 6, 6, 0]);
    applyEdit(current.layers, merge.edit, 'undo');
    expect([...current.layers[0]]).toEqual([0, 5, 5, 0, 0]);
  });

  it('keeps names and colours apart from the segments already listed', () => {
    const current = seg([0, 0, 0], [info(3, 'lesion', [255, 0, 0])]);
    const merge = promptMergeEdit(current, seg([1, 0, 0], [info(200, 'lesion', [255, 0, 0])]))!;
    expect(merge.segment.name).toBe('lesion_4');
    expect(merge.segment.colorRgb).not.toEqual([255, 0, 0]);
  });

  it('says an empty mask is empty, and refuses when no value is left', () => {
    expect(promptMergeEdit(seg([0, 5], [info(5, 'liver')]), seg([0, 0], [info(200, 'lesion')]))).toBeNull();
    const full = seg([0, 0], [info(255, 'last')]);
    expect(nextFreeValue(full)).toBeNull();
    expect(() => promptMergeEdit(full, seg([1, 0], [info(200, 'lesion')]))).toThrow(/no free label/);
    expect(nextFreeValue(seg([0, 0], [info(255, 'last')], 'u16'))).toBe(256);
  });
});
