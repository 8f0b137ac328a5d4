// Versions of a segmentation as the history list shows them: every undoable change (a brush stroke,
// an eraser stroke, an applied intervention, a model's result, a loaded file, a restored autosave) is
// a labelled entry on the one undo history, and the list is the starting point plus those entries, the
// current one marked and undone ones still reachable by redo.
import type { SegAlgorithmData } from '../../../shared/api';
import type { Segmentation, SegmentInfo } from '../../../shared/volume';
import type { LabelEdit } from './editHistory';

export type VersionKind = 'brush' | 'eraser' | 'intervention' | 'model' | 'load' | 'restore';

/** One entry of the undo history: the diff, and what the history list calls it. */
export interface Version extends LabelEdit {
  /** Unique within a session, so a chat message can refer to the version it made. */
  id: number;
  kind: VersionKind;
  label: string;
  /** The model that made this edit; `automatic` for a whole automatic segmentation (not a prompt). */
  model?: ModelProvenance;
  /**
   * A change of the whole segmentation (a loaded file, a restored autosave, a result on other
   * layers): the diff is empty and undo/redo shows `before`/`after` instead. Both are kept whole:
   * the layers of the one shown are the ones edited in place until the next swap.
   */
  swap?: { before: Segmentation; after: Segmentation };
}

export interface ModelProvenance {
  id: string;
  version: string;
  automatic: boolean;
}

/** A version that swaps the whole segmentation: an empty diff, `before` and `after` kept whole. */
export function swapVersion(
  id: number,
  kind: VersionKind,
  label: string,
  swap: { before: Segmentation; after: Segmentation },
  model?: ModelProvenance,
): Version {
  const none = { indices: new Uint32Array(0), before: new Uint16Array(0), after: new Uint16Array(0) };
  return { layer: 0, ...none, id, kind, label, ...(model ? { model } : {}), swap };
}

/** The label values whose voxels an edit changed (from or to), and the rows it added. */
function valuesTouched(edit: LabelEdit, into: Set<number>) {
  for (let n = 0; n < edit.indices.length; n++) {
    if (edit.before[n] !== edit.after[n]) {
      if (edit.before[n]) into.add(edit.before[n]);
      if (edit.after[n]) into.add(edit.after[n]);
    }
  }
}

/**
 * How the segmentation on screen was made, for a DICOM SEG, as a whole and per segment: a segment a
 * model's automatic result made and nobody touched since is AUTOMATIC; one it made that a person then
 * painted, erased or corrected, or one a person prompted, is SEMIAUTOMATIC; one drawn by hand or read
 * from a file of unknown making is MANUAL. The whole is AUTOMATIC only when every segment is; nothing
 * (MANUAL) when no model took part. History before the last loaded file or restored autosave does not
 * count: that version replaced everything. `origin` is the model whose result became the starting
 * point without an undo step; `segments` the rows on screen.
 */
export function segAlgorithm(
  applied: readonly Version[],
  origin: ModelProvenance | null,
  segments: readonly SegmentInfo[] = [],
): SegAlgorithmData | undefined {
  let start = 0;
  applied.forEach((v, n) => {
    if (v.swap) start = n + 1;
  });
  const relevant = applied.slice(start);
  const lastAutomatic = relevant.map((v) => !!v.model?.automatic).lastIndexOf(true);
  const since = relevant.slice(lastAutomatic + 1);
  const automaticModel = lastAutomatic >= 0 ? relevant[lastAutomatic].model! : start === 0 ? origin : null;
  const made = [...relevant].reverse().find((v) => v.model)?.model ?? automaticModel;
  if (!made) return undefined;

  // Segments an automatic result made: its rows, or (for an origin) every row no later edit added.
  const byModel = new Set<number>();
  if (lastAutomatic >= 0) {
    const result = relevant[lastAutomatic];
    for (const s of result.segments?.after ?? segments) byModel.add(s.value);
  } else if (automaticModel) {
    const added = new Set<number>();
    for (const v of since) {
      const before = new Set(v.segments?.before.map((s) => s.value));
      for (const s of v.segments?.after ?? []) if (!before.has(s.value)) added.add(s.value);
    }
    for (const s of segments) if (!added.has(s.value)) byModel.add(s.value);
  }
  const touched = new Set<number>();
  const prompted = new Set<number>();
  for (const v of since) {
    valuesTouched(v, touched);
    if (v.model && !v.model.automatic) valuesTouched(v, prompted);
  }
  const typeOf = (value: number): 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL' =>
    prompted.has(value) || (byModel.has(value) && touched.has(value))
      ? 'SEMIAUTOMATIC'
      : byModel.has(value)
        ? 'AUTOMATIC'
        : 'MANUAL';
  const perSegment = segments.map((s) => ({ value: s.value, type: typeOf(s.value) }));
  const whole =
    since.length === 0 && automaticModel && perSegment.every((s) => s.type === 'AUTOMATIC')
      ? 'AUTOMATIC'
      : 'SEMIAUTOMATIC';
  return {
    name: made.id,
    version: made.version,
    type: whole,
    ...(perSegment.length ? { segments: perSegment } : {}),
  };
}

export interface VersionRow {
  /** null for the starting point (the segmentation as loaded). */
  id: number | null;
  kind: VersionKind | 'original';
  label: string;
  /** 0 for the original, n for the n-th edit: the number of edits applied to reach it. */
  position: number;
  current: boolean;
  /** Undone but still reachable by redo. */
  undone: boolean;
}

/** How many voxels an edit gave a value (painted) and took it from (erased). */
export function editTally(edit: LabelEdit, value: number): { gained: number; lost: number } {
  let gained = 0;
  let lost = 0;
  for (let n = 0; n < edit.indices.length; n++) {
    if (edit.after[n] === value && edit.before[n] !== value) gained++;
    else if (edit.before[n] === value && edit.after[n] !== value) lost++;
  }
  return { gained, lost };
}

/** "Brush · liver · +120 voxels" / "Eraser · liver · −35 voxels". */
export function strokeLabel(kind: 'brush' | 'eraser', segmentName: string, value: number, edit: LabelEdit) {
  const { gained, lost } = editTally(edit, value);
  const count = kind === 'brush' ? `+${gained}` : `\u2212${lost}`;
  return `${kind === 'brush' ? 'Brush' : 'Eraser'} · ${segmentName} · ${count} voxels`;
}

/**
 * The rows of the history list, oldest first: the original (or, once old edits were dropped to keep
 * the history bounded, the earliest state still reachable), the applied edits, then the undone ones.
 * The current version is the last applied one.
 */
export function versionRows(
  applied: readonly Version[],
  undone: readonly Version[],
  truncated = false,
  startLabel = 'As loaded',
): VersionRow[] {
  const rows: VersionRow[] = [
    {
      id: null,
      kind: 'original',
      label: truncated ? 'Earliest kept version' : startLabel,
      position: 0,
      current: applied.length === 0,
      undone: false,
    },
  ];
  applied.forEach((v, n) =>
    rows.push({
      id: v.id,
      kind: v.kind,
      label: v.label,
      position: n + 1,
      current: n === applied.length - 1,
      undone: false,
    }),
  );
  undone.forEach((v, n) =>
    rows.push({
      id: v.id,
      kind: v.kind,
      label: v.label,
      position: applied.length + n + 1,
      current: false,
      undone: true,
    }),
  );
  return rows;
}

/** Undo (negative) or redo (positive) steps from the current version to the one at `position`. */
export const stepsTo = (rows: readonly VersionRow[], position: number) =>
  position - (rows.find((r) => r.current)?.position ?? 0);
