// Model runs on the open study: automatic segmentation ("Segment") and prompts, one at a time, each
// under its own task name so that Cancel stops exactly it. A result is applied only if it finished
// and the same study is still shown; it becomes one undoable edit of the segmentation on screen. A
// cancelled or failed run leaves the study and the segmentation as they were.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { ApiError, type RequestOf, type SegmentationRunResult } from '../../../shared/api';
import { api } from '../bridge';
import {
  axialIndexAxis,
  emptyLike,
  promptMergeEdit,
  replaceProblem,
  replacementEdit,
  type PlanePoint,
  type PromptPoint,
} from '../imaging';
import { runSummary, timingDetails, needsModalityChoice } from '../ai';
import { useStudiesStore } from './studies';
import { useSegmentationStore } from './segmentation';
import { useModelsStore } from './models';
import { useViewStore } from './view';
import { segmentFocus } from '../imaging';

export type RunKind = 'segment' | 'prompt';

export interface RunStatus {
  kind: RunKind;
  modelId: string;
  /** "causal-sam-demo 0.1.0" */
  model: string;
  /** "cpu · 4.3 s" */
  summary: string;
  details: string;
  warnings: string[];
}

export type PromptShape = { box: [PlanePoint, PlanePoint] } | { points: PromptPoint[] };

export const useModelRunsStore = defineStore('modelRuns', () => {
  const studies = useStudiesStore();
  const segmentation = useSegmentationStore();
  const models = useModelsStore();

  const running = ref<{ kind: RunKind; task: string } | null>(null);
  const cancelling = ref(false);
  /** What the reader says the image is, where its file does not say. */
  const modality = ref<string | null>(null);
  const status = ref<RunStatus | null>(null);
  /** One line about the last run's outcome (cancelled, nothing found, segment added). */
  const message = ref<string | null>(null);
  const propagate = ref(false);
  const promptName = ref('lesion');
  let counter = 0;

  const activeModality = computed(() => studies.volume?.modality ?? '');
  const modalityNeeded = computed(() => !!studies.volume && needsModalityChoice(activeModality.value));
  const canRun = computed(
    () => !!studies.activeSeriesId && !running.value && (!modalityNeeded.value || !!modality.value),
  );

  // A choice made for one study says nothing about the next.
  watch(
    () => studies.volume,
    () => {
      modality.value = null;
      message.value = null;
      status.value = null;
    },
  );

  function describe(kind: RunKind, result: SegmentationRunResult): RunStatus {
    return {
      kind,
      modelId: result.model.id,
      model: `${result.model.id} ${result.model.version}`,
      summary: runSummary(result),
      details: timingDetails(result.timingsMs),
      warnings: result.warnings,
    };
  }

  /** Runs one request under a fresh task; null when cancelled, failed, or the study changed meanwhile. */
  async function execute(
    kind: RunKind,
    request: (context: {
      seriesId: string;
      task: string;
      modelId?: string;
      modality?: string;
    }) => Promise<SegmentationRunResult>,
  ): Promise<SegmentationRunResult | null> {
    const seriesId = studies.activeSeriesId;
    const volume = studies.volume;
    if (!seriesId || !volume || !canRun.value) return null;
    const task = `${kind}:${seriesId}:${++counter}`;
    running.value = { kind, task };
    message.value = null;
    try {
      const result = await request({
        seriesId,
        task,
        modelId: models.selected?.id,
        modality: modalityNeeded.value ? (modality.value ?? undefined) : undefined,
      });
      // The result belongs to the study it was run on; another one is on screen now.
      if (studies.volume !== volume) return null;
      status.value = describe(kind, result);
      return result;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'cancelled') {
        message.value = `${kind === 'segment' ? 'Segmentation' : 'Prompt'} cancelled; the segmentation on screen is unchanged.`;
      } else {
        studies.reportError(error);
      }
      return null;
    } finally {
      if (running.value?.task === task) running.value = null;
      cancelling.value = false;
    }
  }

  /** Automatic segmentation: the result replaces the segmentation on screen as one undoable edit. */
  async function segment() {
    const result = await execute('segment', (c) => api['segmentation.run'](c));
    if (!result) return;
    if (!result.segmentation.segments.length) {
      message.value = 'The model found nothing; the segmentation on screen is unchanged.';
      return;
    }
    const label = `Automatic segmentation · ${result.model.id}`;
    const model = { ...result.model, automatic: true };
    if (!segmentation.current()) segmentation.adopt(emptyLike(result.segmentation));
    const base = segmentation.current()!;
    // A diff where one layer holds both; otherwise the whole map is swapped. Undoable either way.
    if (replaceProblem(base, result.segmentation)) {
      segmentation.replaceWith(result.segmentation, label, 'model', model);
    } else {
      const edit = replacementEdit(base, result.segmentation);
      if (edit) segmentation.commit(edit, label, model);
    }
    if (result.ood) segmentation.setModelScores(result.ood.structures);
    message.value = `Found ${result.segmentation.segments.length} structures (Undo restores the previous segmentation).`;
    showFound(result);
  }

  /** The views jump to the structures found, as Slicer does: a slice without any would hide the result. */
  function showFound(result: SegmentationRunResult) {
    const view = useViewStore();
    const focus = segmentFocus(result.segmentation, view.axes.axial);
    if (focus) view.setCursor(focus);
  }

  /** A box or points on an axial slice: the mask is added as a new segment, as one undoable edit. */
  async function prompt(slice: number, shape: PromptShape) {
    const volume = studies.volume;
    if (!volume) return;
    const result = await execute('prompt', (c) =>
      api['segmentation.prompt']({
        ...c,
        ...shape,
        slice,
        propagate: propagate.value,
        name: promptName.value.trim() || undefined,
      } as RequestOf<'segmentation.prompt'>),
    );
    if (!result) return;
    const base = segmentation.current() ?? emptyLike({ ...result.segmentation, segments: [] });
    let merge;
    try {
      merge = promptMergeEdit(base, result.segmentation);
    } catch (error) {
      studies.reportError(error);
      return;
    }
    const where = `${'box' in shape ? 'box' : 'points'} on axial slice ${slice + 1}`;
    if (!merge) {
      message.value = `The model returned an empty mask for the ${where}; nothing was added.`;
      return;
    }
    if (!segmentation.current()) segmentation.adopt(base);
    segmentation.commit(merge.edit, `Prompt · ${merge.segment.name} · ${merge.voxels} voxels`, {
      ...result.model,
      automatic: false,
    });
    segmentation.select(merge.segment.value);
    const through = propagate.value ? ' (propagated)' : '';
    message.value = `Added ${merge.segment.name}: ${merge.voxels} voxels from the ${where}${through}.`;
  }

  async function cancel() {
    const task = running.value?.task;
    if (!task) return;
    cancelling.value = true;
    try {
      await api['tasks.cancel']({ task });
    } catch (error) {
      studies.reportError(error);
    }
  }

  /** The axis prompts are given on, for the prompt tool (the one closest to superior–inferior). */
  const axialAxis = computed(() => (studies.volume ? axialIndexAxis(studies.volume) : null));

  return {
    running,
    cancelling,
    modality,
    modalityNeeded,
    activeModality,
    canRun,
    status,
    message,
    propagate,
    promptName,
    axialAxis,
    segment,
    prompt,
    cancel,
  };
});
