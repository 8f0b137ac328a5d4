// Undo/redo for label edits, stored as diffs (which voxels of which layer changed, from what to
// what) rather than copies of the layer: a brush stroke on a 512×512×400 map costs kilobytes.
import type { SegmentInfo } from '../../../shared/volume';

export interface LabelEdit {
  layer: number;
  indices: Uint32Array;
  before: Uint16Array;
  after: Uint16Array;
  /**
   * The segment list before and after, for edits that add or rename segments (a model's result):
   * undo must take the new rows out of the list along with their voxels.
   */
  segments?: { before: SegmentInfo[]; after: SegmentInfo[] };
}

/** Collects one stroke: the first old value of each voxel touched, and its latest new value. */
export class StrokeRecorder {
  private readonly before = new Map<number, number>();
  private readonly after = new Map<number, number>();
  constructor(readonly layer: number) {}

  /** Writes `value` into the voxels (skipping those `keep` rejects) and records what changed. */
  paint(
    labels: Uint8Array | Uint16Array,
    indices: readonly number[],
    value: number,
    keep?: (old: number) => boolean,
  ): number[] {
    const changed: number[] = [];
    for (const n of indices) {
      const old = labels[n];
      if (old === value || (keep && keep(old))) continue;
      if (!this.before.has(n)) this.before.set(n, old);
      this.after.set(n, value);
      labels[n] = value;
      changed.push(n);
    }
    return changed;
  }

  /** The stroke as an edit, or null when it changed nothing (or changed voxels back). */
  finish(): LabelEdit | null {
    const indices: number[] = [];
    for (const [n, old] of this.before) if (this.after.get(n) !== old) indices.push(n);
    if (!indices.length) return null;
    indices.sort((x, y) => x - y);
    return {
      layer: this.layer,
      indices: Uint32Array.from(indices),
      before: Uint16Array.from(indices, (n) => this.before.get(n)!),
      after: Uint16Array.from(indices, (n) => this.after.get(n)!),
    };
  }
}

/**
 * Why an edit made elsewhere (the main side's intervention) cannot be applied to these layers, or
 * null when it can: the layer and every index must exist and every voxel must still hold `before`,
 * else a brush stroke made while the request was away would be silently overwritten and undo would
 * no longer restore what the user saw.
 */
export function editMismatch(layers: readonly (Uint8Array | Uint16Array)[], edit: LabelEdit): string | null {
  const labels = layers[edit.layer];
  if (!labels) return `the segmentation has no layer ${edit.layer}`;
  const n = edit.indices.length;
  if (edit.before.length !== n || edit.after.length !== n) return 'the edit is malformed (lengths differ)';
  for (let m = 0; m < n; m++) {
    const at = edit.indices[m];
    if (at >= labels.length) return `voxel ${at} is outside the segmentation`;
    if (labels[at] !== edit.before[m]) return 'the segmentation changed while the edit was being made';
  }
  return null;
}

export function applyEdit(layers: (Uint8Array | Uint16Array)[], edit: LabelEdit, direction: 'undo' | 'redo') {
  const labels = layers[edit.layer];
  const values = direction === 'undo' ? edit.before : edit.after;
  for (let n = 0; n < edit.indices.length; n++) labels[edit.indices[n]] = values[n];
}

/**
 * Bounded undo and redo stacks; a new edit clears the redo stack, as everywhere else. Entries may
 * carry more than the diff (a label for the history list), hence the type parameter.
 */
export class EditHistory<T extends LabelEdit = LabelEdit> {
  private done: T[] = [];
  private undone: T[] = [];
  private dropped = 0;
  constructor(private readonly limit = 100) {}

  push(edit: T) {
    this.done.push(edit);
    if (this.done.length > this.limit) {
      this.done.shift();
      this.dropped++;
    }
    this.undone = [];
  }
  undo(): T | undefined {
    const edit = this.done.pop();
    if (edit) this.undone.push(edit);
    return edit;
  }
  redo(): T | undefined {
    const edit = this.undone.pop();
    if (edit) this.done.push(edit);
    return edit;
  }
  /** Applied entries oldest first; undone entries in the order redo brings them back. */
  get applied(): readonly T[] {
    return this.done;
  }
  get undoneInRedoOrder(): readonly T[] {
    return [...this.undone].reverse();
  }
  /** True when the oldest edits were dropped to stay within the limit. */
  get truncated() {
    return this.dropped > 0;
  }
  get canUndo() {
    return this.done.length > 0;
  }
  get canRedo() {
    return this.undone.length > 0;
  }
  clear() {
    this.done = [];
    this.undone = [];
    this.dropped = 0;
  }
}
