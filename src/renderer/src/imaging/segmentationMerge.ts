// A model's result applied to the segmentation on screen as one edit (a diff, see editHistory.ts), so
// that Undo takes it back exactly like a brush stroke: an automatic run replaces the label map, a
// prompt adds its mask as a new segment. Pure: the caller applies the edit and pushes it.
import { fallbackColor } from '../../../shared/anatomy';
import { sameGrid, type Segmentation, type SegmentInfo } from '../../../shared/volume';
import type { LabelEdit } from './editHistory';

/** Why a result cannot replace the current map as one edit, or null when it can. */
export function replaceProblem(current: Segmentation, result: Segmentation): string | null {
  if (!sameGrid(current, result)) return 'the result lies on another grid than the segmentation on screen';
  // Edits are diffs of one layer; overlapping segments (several layers) would need several.
  if (current.layers.length !== 1) return 'the segmentation on screen has overlapping segments';
  if (result.layers.length !== 1) return 'the result has overlapping segments';
  const maxValue = Math.max(0, ...result.segments.map((s) => s.value));
  if (current.layers[0] instanceof Uint8Array && maxValue > 255) {
    return 'the result uses label values the segmentation on screen cannot hold';
  }
  return null;
}

/** An empty single-layer map on a result's grid: what "no segmentation yet" is replaced from. */
export function emptyLike(result: Segmentation): Segmentation {
  const { dims, spacingMm, originLps, axesLps } = result;
  const maxValue = Math.max(0, ...result.segments.map((s) => s.value));
  const n = dims[0] * dims[1] * dims[2];
  return {
    dims,
    spacingMm,
    originLps,
    axesLps,
    layers: [maxValue > 255 ? new Uint16Array(n) : new Uint8Array(n)],
    segments: [],
  };
}

function diffEdit(indices: number[], before: number[], after: number[]): Omit<LabelEdit, 'segments'> {
  return {
    layer: 0,
    indices: Uint32Array.from(indices),
    before: Uint16Array.from(before),
    after: Uint16Array.from(after),
  };
}

/**
 * The edit that turns `current` into `result` (check `replaceProblem` first): every voxel that
 * differs, and the result's segment list. Null when nothing would change.
 */
export function replacementEdit(current: Segmentation, result: Segmentation): LabelEdit | null {
  const from = current.layers[0];
  const to = result.layers[0];
  const indices: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  for (let n = 0; n < to.length; n++) {
    if (from[n] === to[n]) continue;
    indices.push(n);
    before.push(from[n]);
    after.push(to[n]);
  }
  const segments = result.segments.map((s) => ({ ...s, layer: 0 }));
  const sameList = JSON.stringify(segments) === JSON.stringify(current.segments);
  if (!indices.length && sameList) return null;
  return { ...diffEdit(indices, before, after), segments: { before: current.segments, after: segments } };
}

/** The smallest value above every segment's, or null when the layer's type cannot hold it. */
export function nextFreeValue(segmentation: Segmentation): number | null {
  const value = Math.max(0, ...segmentation.segments.map((s) => s.value)) + 1;
  const max = segmentation.layers[0] instanceof Uint8Array ? 255 : 65535;
  return value <= max ? value : null;
}

export interface PromptMerge {
  edit: LabelEdit;
  segment: SegmentInfo;
  voxels: number;
}

/**
 * A prompt's mask (every non-zero voxel of the result) added to `current` as a new segment with the
 * next free value, in layer 0: the user pointed at these voxels, so they win over what was there.
 * Null when the mask is empty. Throws when no label value is left.
 */
export function promptMergeEdit(current: Segmentation, result: Segmentation): PromptMerge | null {
  if (!sameGrid(current, result)) throw new RangeError('the prompt result lies on another grid');
  const value = nextFreeValue(current);
  const labels = current.layers[0];
  const indices: number[] = [];
  const before: number[] = [];
  let voxels = 0;
  for (let n = 0; n < labels.length; n++) {
    if (!result.layers.some((layer) => layer[n] !== 0)) continue;
    voxels++;
    if (value === null || labels[n] === value) continue;
    indices.push(n);
    before.push(labels[n]);
  }
  if (voxels === 0) return null;
  if (value === null) throw new RangeError('no free label value is left for another segment');
  const source = result.segments[0];
  const baseName = source?.name ?? 'lesion';
  // Two rows called "lesion" could not be told apart in the list or in a saved file.
  const name = current.segments.some((s) => s.name === baseName) ? `${baseName}_${value}` : baseName;
  const colourTaken = (c: readonly number[]) =>
    current.segments.some((s) => s.colorRgb.every((v, n) => v === c[n]));
  const colorRgb = source && !colourTaken(source.colorRgb) ? source.colorRgb : fallbackColor(value);
  const segment: SegmentInfo = { value, layer: 0, name, colorRgb: [...colorRgb] };
  return {
    edit: {
      ...diffEdit(
        indices,
        before,
        indices.map(() => value),
      ),
      segments: { before: current.segments, after: [...current.segments, segment] },
    },
    segment,
    voxels,
  };
}
