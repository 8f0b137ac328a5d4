// The segmentation on the open image, and the one version history that is its single source of
// truth: brush strokes, model results, applied interventions, loaded files and restored autosaves are
// each a labelled version, and every view, list, correction, prompt, report, export, autosave and PACS
// send reads the current version through `current()` (its label layers are held once; every view's
// vtk image wraps the same typed arrays). Also how each segment is shown, voxel counts and the
// selected segment. Cleared whenever another volume is shown.
import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, shallowRef, watch } from 'vue';
import type { Segmentation, SegmentInfo, Vec3 } from '../../../shared/volume';
import type { StructureOod } from '../../../shared/ood';
import { fallbackColor } from '../../../shared/anatomy';
import {
  countLabels,
  volumeMl,
  brushDisc,
  applyEdit as writeEdit,
  editMismatch,
  EditHistory,
  StrokeRecorder,
  type LabelEdit,
  segAlgorithm,
  swapVersion,
  strokeLabel,
  versionRows,
  type ModelProvenance,
  type Version,
  type VersionKind,
  type VersionRow,
  type SegmentDisplay,
  type IndexAxis,
  emptyLike,
} from '../imaging';
import { useStudiesStore } from './studies';

export type OverlayMode = 'fill' | 'outline';

export interface SegmentRow extends SegmentInfo {
  voxels: number;
  volumeMl: number;
  visible: boolean;
  opacity: number;
  /** The model's out-of-distribution score for this structure, from the run that made it. */
  ood?: StructureOod;
}

export const useSegmentationStore = defineStore('segmentation', () => {
  const studies = useStudiesStore();

  const segmentation = shallowRef<Segmentation | null>(null);
  /** Bumped per layer whenever its voxels change, so vtk images know to re-upload. */
  const revisions = ref<number[]>([]);
  const display = reactive(new Map<number, SegmentDisplay>());
  const counts = ref(new Map<number, number>());
  /** Per label value: the out-of-distribution score of the automatic run the segmentation came from. */
  const modelScores = shallowRef(new Map<number, StructureOod>());
  const selected = ref<number | null>(null);
  /**
   * Whether the reader picked the selected segment (or added it), rather than it being the first
   * one selected for the brush: only a picked segment is what "it" means in a typed command.
   */
  const selectedByUser = ref(false);
  const overlayVisible = ref(true);
  const overlayOpacity = ref(0.5);
  const mode = ref<OverlayMode>('fill');
  /**
   * Counts every change of what the current version holds (a stroke's dab, an undo, a load, a new
   * row): what autosave, the report and anything else that follows the current version watch.
   */
  const changes = ref(0);
  const history = new EditHistory<Version>();
  /** The model whose result is the starting point of the history, if one is. */
  let origin: ModelProvenance | null = null;
  const historyState = ref({ canUndo: false, canRedo: false });
  /** The history list: the original, every labelled version, the current one marked. */
  const versions = ref<VersionRow[]>([]);
  let nextVersionId = 1;
  /** Hold-to-compare: the current version's edit is shown undone, outside the history. */
  const comparing = ref(false);
  const replayListeners = new Set<(version: Version, direction: 'undo' | 'redo') => void>();
  let stroke: StrokeRecorder | null = null;
  /** A brush or eraser stroke is being drawn: readers that follow the version wait for its end. */
  const stroking = ref(false);
  /** What the stroke in progress paints with, for its history label. */
  let strokeTarget: { kind: 'brush' | 'eraser'; name: string; value: number } | null = null;

  const segments = computed<SegmentRow[]>(() => {
    const seg = segmentation.value;
    if (!seg) return [];
    return seg.segments.map((s) => {
      const voxels = counts.value.get(s.value) ?? 0;
      const d = display.get(s.value) ?? { visible: true, opacity: 1 };
      const ood = modelScores.value.get(s.value);
      return { ...s, voxels, volumeMl: volumeMl(voxels, seg.spacingMm), ...d, ...(ood ? { ood } : {}) };
    });
  });
  const selectedSegment = computed(() => segments.value.find((s) => s.value === selected.value) ?? null);

  function displayOf(value: number): SegmentDisplay {
    return display.get(value) ?? { visible: true, opacity: 1 };
  }

  function recount(seg: Segmentation) {
    const next = new Map<number, number>();
    // Values are unique across layers, so per-layer counts merge without clashes (0 excepted).
    for (const layer of seg.layers) for (const [v, n] of countLabels(layer)) if (v) next.set(v, n);
    counts.value = next;
  }

  /** Layer revisions only ever grow, so a view never mistakes a swapped-in layer for one it has. */
  let nextRevision = 1;

  /** Makes `seg` the one shown (the current version's content): counts, rows and views follow it. */
  function setShown(seg: Segmentation | null) {
    segmentation.value = seg ? markRaw(seg) : null;
    changes.value++;
    if (!seg) {
      counts.value = new Map();
      selected.value = null;
      revisions.value = [];
      return;
    }
    for (const s of seg.segments)
      if (!display.has(s.value)) display.set(s.value, { visible: true, opacity: 1 });
    revisions.value = seg.layers.map(() => nextRevision++);
    recount(seg);
    if (!seg.segments.some((s) => s.value === selected.value)) {
      selected.value = seg.segments[0]?.value ?? null;
      selectedByUser.value = false;
    }
  }

  /** A new study on screen: no segmentation and an empty history. */
  function reset() {
    // A comparison in progress has the previous version in the layers: put the current one back.
    compare(false);
    comparing.value = false;
    origin = null;
    modelScores.value = new Map();
    stroke = null;
    strokeTarget = null;
    stroking.value = false;
    display.clear();
    history.clear();
    selected.value = null;
    selectedByUser.value = false;
    setShown(null);
    syncHistory();
  }

  // Label maps belong to the image they were loaded onto.
  watch(
    () => studies.volume,
    () => reset(),
  );

  /** An empty label map on the open image's grid. */
  function emptyOnStudy(): Segmentation | null {
    const v = studies.volume;
    if (!v) return null;
    const { dims, spacingMm, originLps, axesLps } = v;
    return emptyLike({ dims, spacingMm, originLps, axesLps, layers: [], segments: [] });
  }

  /**
   * The current version, for anything that works on it (a correction, a prompt, a save, a report, a
   * PACS send, autosave): a stroke in progress is finished and a before/after comparison ended
   * first, so what is returned is exactly what the history marks as current. Null with none.
   */
  function current(): Segmentation | null {
    if (stroke) endStroke();
    compare(false);
    return segmentation.value;
  }

  /**
   * Replaces the whole segmentation as one undoable version (a loaded file, a restored autosave, a
   * result on other layers): Undo brings back exactly what was shown before. Returns the version id.
   */
  function replaceWith(
    next: Segmentation,
    label: string,
    kind: VersionKind,
    model?: ModelProvenance,
  ): number {
    const before = current() ??
      emptyOnStudy() ?? { ...next, layers: [new Uint8Array(next.layers[0].length)], segments: [] };
    const version = swapVersion(nextVersionId++, kind, label, { before, after: next }, model);
    history.push(version);
    write(version, 'redo');
    syncHistory();
    return version.id;
  }

  /**
   * Starts the history from `seg` (an empty map on a result's grid, before the first result is
   * applied); `madeBy` is the model that made it, where one did.
   */
  function adopt(seg: Segmentation, madeBy: ModelProvenance | null = null) {
    reset();
    setShown(seg);
    origin = madeBy;
  }

  /** The scores of the automatic run whose result is now on screen (shown beside each segment). */
  function setModelScores(structures: StructureOod[]) {
    modelScores.value = new Map(structures.map((s) => [s.value, s]));
  }

  /** How the segmentation on screen was made, for a DICOM SEG's algorithm fields (per segment too). */
  const algorithm = () => segAlgorithm(history.applied, origin, segmentation.value?.segments ?? []);

  /** An empty label map on the open image as the start of the history, for drawing from scratch. */
  function createEmpty() {
    const empty = emptyOnStudy();
    if (!empty) return;
    reset();
    setShown(empty);
  }

  function addSegment(name = 'segment') {
    if (!segmentation.value) createEmpty();
    const seg = segmentation.value;
    if (!seg) return;
    const value = Math.max(0, ...seg.segments.map((s) => s.value)) + 1;
    if (value > 255 && seg.layers[0] instanceof Uint8Array) return;
    const info: SegmentInfo = { value, layer: 0, name: `${name}_${value}`, colorRgb: fallbackColor(value) };
    segmentation.value = markRaw({ ...seg, segments: [...seg.segments, info] });
    changes.value++;
    display.set(value, { visible: true, opacity: 1 });
    selected.value = value;
    selectedByUser.value = true;
  }

  function setVisible(value: number, visible: boolean) {
    display.set(value, { ...displayOf(value), visible });
  }
  function setOpacity(value: number, opacity: number) {
    display.set(value, { ...displayOf(value), opacity });
  }
  function select(value: number) {
    selected.value = value;
    selectedByUser.value = true;
  }
  function toggleOverlay() {
    overlayVisible.value = !overlayVisible.value;
  }

  function touched(layer: number, voxels: Iterable<[before: number, after: number]>) {
    const next = new Map(counts.value);
    for (const [before, after] of voxels) {
      if (before) next.set(before, (next.get(before) ?? 0) - 1);
      if (after) next.set(after, (next.get(after) ?? 0) + 1);
    }
    counts.value = next;
    const r = [...revisions.value];
    r[layer] = nextRevision++;
    revisions.value = r;
    changes.value++;
  }

  /** One dab of the brush (or eraser) at a continuous voxel position on a view's slice. */
  function dab(centre: Vec3, radiusMm: number, sliceAxis: IndexAxis, erase: boolean) {
    const seg = segmentation.value;
    const target = selectedSegment.value;
    if (!seg || !target) return;
    const labels = seg.layers[target.layer];
    if (comparing.value) compare(false);
    if (!stroke || stroke.layer !== target.layer) stroke = new StrokeRecorder(target.layer);
    stroking.value = true;
    strokeTarget ??= { kind: erase ? 'eraser' : 'brush', name: target.name, value: target.value };
    const disc = brushDisc(seg, centre, radiusMm, sliceAxis);
    const olds = disc.map((n) => labels[n]);
    // The eraser clears only the selected segment, never a neighbour it brushes over.
    const changed = erase
      ? stroke.paint(labels, disc, 0, (old) => old !== target.value)
      : stroke.paint(labels, disc, target.value);
    if (!changed.length) return;
    const before = new Map(disc.map((n, i) => [n, olds[i]]));
    touched(
      target.layer,
      changed.map((n) => [before.get(n)!, labels[n]] as [number, number]),
    );
  }

  function endStroke() {
    if (comparing.value) compare(false);
    const edit = stroke?.finish();
    const target = strokeTarget;
    stroke = null;
    strokeTarget = null;
    stroking.value = false;
    if (edit && target) {
      const label = strokeLabel(target.kind, target.name, target.value, edit);
      history.push({ ...edit, id: nextVersionId++, kind: target.kind, label });
    }
    syncHistory();
  }

  /**
   * Applies an edit made elsewhere (an intervention from the main side) as a new version: written
   * into the layer, counted, pushed onto the one undo history. Throws, changing nothing, when the
   * layers no longer hold the edit's `before` values. Returns the new version's id.
   */
  function applyEdit(edit: LabelEdit, label: string, kind: VersionKind = 'intervention'): number {
    const seg = segmentation.value;
    if (!seg) throw new Error('There is no segmentation to apply the edit to.');
    if (comparing.value) compare(false);
    const mismatch = editMismatch(seg.layers, edit);
    if (mismatch) throw new Error(`The edit was not applied: ${mismatch}.`);
    // A stroke in progress belongs before this edit in the history.
    if (stroke) endStroke();
    const version: Version = { ...edit, id: nextVersionId++, kind, label };
    write(version, 'redo');
    history.push(version);
    syncHistory();
    return version.id;
  }

  /** Called after every undo and redo (the intervention store records those in the audit log). */
  function onReplay(listener: (version: Version, direction: 'undo' | 'redo') => void): () => void {
    replayListeners.add(listener);
    return () => replayListeners.delete(listener);
  }

  /** Writes an edit's `before` (undo) or `after` (redo) into its layer and updates counts and views. */
  function write(edit: Version | LabelEdit, direction: 'undo' | 'redo') {
    if ('swap' in edit && edit.swap) {
      setShown(direction === 'undo' ? edit.swap.before : edit.swap.after);
      return;
    }
    const seg = segmentation.value;
    if (!seg) return;
    writeEdit(seg.layers, edit, direction);
    if (edit.segments) showSegments(seg, edit.segments[direction === 'undo' ? 'before' : 'after']);
    const from = direction === 'undo' ? edit.after : edit.before;
    const to = direction === 'undo' ? edit.before : edit.after;
    touched(
      edit.layer,
      Array.from(edit.indices, (_, n) => [from[n], to[n]] as [number, number]),
    );
  }

  /** An edit that adds or removes rows: the list follows it, new rows shown, the selection kept valid. */
  function showSegments(seg: Segmentation, list: SegmentInfo[]) {
    segmentation.value = markRaw({ ...seg, segments: list });
    changes.value++;
    for (const s of list) if (!display.has(s.value)) display.set(s.value, { visible: true, opacity: 1 });
    if (!list.some((s) => s.value === selected.value)) selected.value = list[0]?.value ?? null;
  }

  /** A change made elsewhere (a model's result, as a diff) applied as one undoable, labelled version. */
  function commit(edit: LabelEdit, label: string, model: ModelProvenance) {
    if (!segmentation.value) return;
    compare(false);
    if (stroke) endStroke();
    const version: Version = { ...edit, id: nextVersionId++, kind: 'model', label, model };
    history.push(version);
    write(version, 'redo');
    syncHistory();
  }

  /**
   * Before/after: while `on`, the version before the current one is shown (its edit written back
   * undone) without changing the history; any edit, undo or redo ends the comparison first.
   */
  function compare(on: boolean) {
    const top = history.applied[history.applied.length - 1];
    if (!top || on === comparing.value) return;
    if (on && stroke) endStroke();
    write(top, on ? 'undo' : 'redo');
    comparing.value = on;
  }

  function replay(edit: Version | undefined, direction: 'undo' | 'redo') {
    const seg = segmentation.value;
    if (!edit || !seg) return;
    write(edit, direction);
    syncHistory();
    for (const listener of replayListeners) listener(edit, direction);
  }

  const undo = () => {
    compare(false);
    replay(history.undo(), 'undo');
  };
  const redo = () => {
    compare(false);
    replay(history.redo(), 'redo');
  };

  /** Undoes or redoes until the version at `position` of the history list is the current one. */
  function goTo(position: number) {
    const current = versions.value.find((r) => r.current)?.position ?? 0;
    for (let n = current; n > position && history.canUndo; n--) undo();
    for (let n = current; n < position && history.canRedo; n++) redo();
  }

  function syncHistory() {
    changes.value++;
    historyState.value = { canUndo: history.canUndo, canRedo: history.canRedo };
    versions.value = versionRows(
      history.applied,
      history.undoneInRedoOrder,
      history.truncated,
      'No segmentation',
    );
  }

  return {
    segmentation,
    revisions,
    segments,
    selected,
    selectedByUser,
    selectedSegment,
    overlayVisible,
    overlayOpacity,
    mode,
    changes,
    stroking,
    historyState,
    versions,
    comparing,
    displayOf,
    adopt,
    setModelScores,
    current,
    replaceWith,
    algorithm,
    createEmpty,
    addSegment,
    setVisible,
    setOpacity,
    select,
    toggleOverlay,
    dab,
    endStroke,
    commit,
    undo,
    redo,
    goTo,
    compare,
    applyEdit,
    onReplay,
  };
});
