// Versions of a segmentation as the history list shows them: every undoable edit (a brush stroke, an
// eraser stroke, an applied intervention, a model's result) is a labelled entry on the one undo history, and the list
// is the original plus those entries, the current one marked and undone ones still reachable by redo.
import type { SegAlgorithmData } from '../../../shared/api';
import type { LabelEdit } from './editHistory';

export type VersionKind = 'brush' | 'eraser' | 'intervention' | 'model';

/** One entry of the undo history: the diff, and what the history list calls it. */
export interface Version extends LabelEdit {
  /** Unique within a session, so a chat message can refer to the version it made. */
  id: number;
  kind: VersionKind;
  label: string;
  /** The model that made this edit; `automatic` for a whole automatic segmentation (not a prompt). */
  model?: ModelProvenance;
}

export interface ModelProvenance {
  id: string;
  version: string;
  automatic: boolean;
}

/**
 * How the segmentation on screen was made, for a DICOM SEG: AUTOMATIC when it is a model's automatic
 * result as it came (the current version, or the origin with nothing applied since); SEMIAUTOMATIC
 * when a model made part of it and a person prompted, painted or corrected; nothing (MANUAL) when no
 * model took part. `origin` is the model whose result became the starting point without an undo step.
 */
export function segAlgorithm(
  applied: readonly Version[],
  origin: ModelProvenance | null,
): SegAlgorithmData | undefined {
  const last = applied[applied.length - 1];
  if (last?.model?.automatic) return { name: last.model.id, version: last.model.version, type: 'AUTOMATIC' };
  const made = [...applied].reverse().find((v) => v.model)?.model ?? origin;
  if (!made) return undefined;
  const untouched = applied.length === 0 && made.automatic;
  return { name: made.id, version: made.version, type: untouched ? 'AUTOMATIC' : 'SEMIAUTOMATIC' };
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
): VersionRow[] {
  const rows: VersionRow[] = [
    {
      id: null,
      kind: 'original',
      label: truncated ? 'Earliest kept version' : 'As loaded',
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
