// The open study: its series, the active series' volume, the errors of the last attempt to open
// something, and the recent-studies list. An open that fails leaves the previous study in place.
// A series opens progressively: its first slice is shown as soon as it has arrived, the rest streams
// in behind it (imaging/streamVolume.ts) with a progress bar and Cancel.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { AppInfo, OpenResult, RecentStudy, RequestOf, SeriesSummary } from '../../../shared/api';
import { voxelTypeOf, type Volume } from '../../../shared/volume';
import { api } from '../bridge';
import { describeError, describeFileError } from '../errors';
import {
  blackenMissing,
  emptyVolume,
  placeSlices,
  StreamCancelledError,
  streamVolume,
  SliceStreamPlan,
} from '../imaging';
import { useViewStore } from './view';

export type DroppedFile = RequestOf<'studies.openFiles'>['files'][number];

/** How far the active series' voxels have arrived. */
export interface VolumeLoading {
  loadedSlices: number;
  totalSlices: number;
}

/** Redraws while slices stream in: in the next frame when urgent, else at most every `intervalMs`. */
function redrawPacer(draw: () => void, intervalMs = 400) {
  let frame = 0;
  let timer = 0;
  let last = 0;
  const run = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = timer = 0;
    last = performance.now();
    draw();
  };
  const pace = (urgent: boolean) => {
    if (urgent) {
      if (!frame) frame = requestAnimationFrame(run);
    } else if (!timer && !frame) {
      timer = window.setTimeout(run, Math.max(0, last + intervalMs - performance.now()));
    }
  };
  pace.stop = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
  return pace;
}

export const useStudiesStore = defineStore('studies', () => {
  const view = useViewStore();

  const appInfo = ref<AppInfo | null>(null);
  const series = ref<SeriesSummary[]>([]);
  const activeSeriesId = ref<string | null>(null);
  // Voxels are big and never edited here: a shallow ref with markRaw keeps Vue from proxying them.
  const volume = shallowRef<Volume | null>(null);
  /** Bumped when more slices of `volume` have arrived (at most once a frame), so views redraw. */
  const voxelsRevision = ref(0);
  /** Null once every slice of `volume` is in place. */
  const loading = ref<VolumeLoading | null>(null);
  const volumeComplete = computed(() => !!volume.value && loading.value === null);
  /** The display range of `volume` (from the main side, known before its voxels arrive). */
  const valueRange = ref<[number, number] | null>(null);
  const errors = ref<string[]>([]);
  const notice = ref('');
  const recent = ref<RecentStudy[]>([]);
  const busy = ref(false);
  /** The load on the main side that Cancel stops, while one runs. */
  const openTask = ref<string | null>(null);

  /** Each open gets a number; a slower earlier open that finishes late must not replace a newer one. */
  let generation = 0;
  let stream: AbortController | null = null;
  /** Which slices of `volume` have arrived, while it streams. */
  let arriving: SliceStreamPlan | null = null;

  /** Whether k-slice `k` of the volume on screen holds its real voxels yet (reactive). */
  function sliceArrived(k: number): boolean {
    void voxelsRevision.value;
    return !loading.value || !!arriving?.isLoaded(k);
  }

  function reportError(error: unknown) {
    errors.value = [...errors.value, describeError(error)];
  }

  function dismissErrors() {
    errors.value = [];
  }

  async function loadAppInfo() {
    try {
      appInfo.value = await api['app.info']({});
    } catch (error) {
      reportError(error);
    }
  }

  async function refreshRecent() {
    try {
      recent.value = (await api['studies.recent']({})).items;
    } catch (error) {
      reportError(error);
    }
  }

  async function closeQuietly(ids: string[]) {
    // Closing frees memory on the main side; a failure there must not disturb what is shown.
    await Promise.allSettled(ids.map((seriesId) => api['series.close']({ seriesId })));
  }

  function stopStream() {
    stream?.abort();
    stream = null;
    loading.value = null;
  }

  async function open(request: (task: string) => Promise<OpenResult>) {
    const mine = ++generation;
    const task = `open-${mine}`;
    busy.value = true;
    openTask.value = task;
    errors.value = [];
    notice.value = '';
    let opened: string[] = [];
    try {
      const result = await request(task);
      opened = result.series.map((s) => s.seriesId);
      if (mine !== generation) return void closeQuietly(opened);
      openTask.value = null;
      const fileErrors = result.errors.map(describeFileError);
      const first = result.series[0];
      if (!first) {
        errors.value = fileErrors.length ? fileErrors : ['No readable image series was found.'];
        return;
      }
      const previous = series.value.map((s) => s.seriesId);
      const shown = await show(first, mine, result.series);
      if (!shown) return void closeQuietly(opened);
      errors.value = fileErrors;
      void closeQuietly(previous.filter((id) => !opened.includes(id)));
      void refreshRecent();
    } catch (error) {
      // A study whose volume could not be fetched is not shown, so it must not stay loaded either.
      if (opened.length && !opened.includes(activeSeriesId.value ?? '')) void closeQuietly(opened);
      if (mine === generation) {
        if ((error as { code?: string }).code === 'cancelled') notice.value = 'Opening was cancelled.';
        else reportError(error);
      }
    } finally {
      if (mine === generation) {
        busy.value = false;
        openTask.value = null;
      }
    }
  }

  /**
   * Shows a series (of `study`, a newly opened one, else of the open study) as soon as its first
   * slice (the one the axial view opens on) has arrived and streams the rest behind it. False when a
   * newer open overtook this one before anything was shown.
   */
  async function show(summary: SeriesSummary, mine: number, study?: SeriesSummary[]): Promise<boolean> {
    const plan = new SliceStreamPlan(summary.dims[2]);
    // view.reset centres the cursor: its k is the first slice every view needs.
    const firstRun = plan.next(Math.floor(summary.dims[2] / 2), 1)!;
    const firstChunk = await api['series.slices']({ seriesId: summary.seriesId, ...firstRun });
    if (mine !== generation) return false;
    // In the type the slices come in: a series still decoding may have widened since its summary.
    const next = emptyVolume({ ...summary, voxelType: voxelTypeOf(firstChunk.voxels) });
    placeSlices(next, firstChunk);
    plan.markLoaded(firstRun);
    stopStream();
    arriving = plan;
    // The series list first: whoever watches the volume (autosave's restore) looks the series up in it.
    if (study) series.value = study;
    activeSeriesId.value = summary.seriesId;
    valueRange.value = summary.valueRange;
    loading.value = plan.complete ? null : { loadedSlices: plan.loadedCount, totalSlices: plan.total };
    volume.value = markRaw(next);
    // Window and level from the slice on screen until the rest has arrived.
    view.reset(next, firstChunk.voxels);
    if (!plan.complete) {
      // After the first frame, not before it: filling 200 MB takes longer than that frame, and on a
      // machine with few cores the slices streaming in would compete with drawing it.
      const rest = () => {
        if (volume.value !== next) return;
        blackenMissing(next, plan, summary.valueRange[0]);
        voxelsRevision.value++;
        void streamRest(summary, next, plan);
      };
      // A hidden window draws no frames: its stream must not wait for one.
      if (document.hidden) rest();
      else requestAnimationFrame(() => setTimeout(rest));
    } else if (summary.valueRangeDeclared) {
      // A one-slice series handed over before its range was measured.
      void api['series.valueRange']({ seriesId: summary.seriesId }).then((exact) => {
        if (volume.value === next) valueRange.value = exact.valueRange;
      }, reportError);
    }
    return true;
  }

  async function streamRest(summary: SeriesSummary, target: Volume, plan: SliceStreamPlan) {
    const { seriesId } = summary;
    const controller = new AbortController();
    stream = controller;
    const redraw = redrawPacer(() => {
      if (stream !== controller) return;
      voxelsRevision.value++;
      loading.value = { loadedSlices: plan.loadedCount, totalSlices: plan.total };
    });
    try {
      await streamVolume(seriesId, target, plan, {
        fetchSlices: (request) => api['series.slices'](request),
        focus: () => view.cursor[2],
        signal: controller.signal,
        // The slice the reader waits for is drawn at once; the rest (which only the coronal and
        // sagittal views show) a few times a second, since every redraw re-uploads textures.
        onSlices: (run) => redraw(run.first <= view.cursor[2] && view.cursor[2] < run.first + run.count),
        onWidened: (widened) => {
          if (stream !== controller) return;
          // The declared range was clamped to the narrower type: vtk.js measures until the exact one comes.
          valueRange.value = null;
          volume.value = markRaw(widened);
        },
      });
      // The 3D view is built once loading ends: with the measured range, not the declared one.
      if (summary.valueRangeDeclared) {
        const exact = await api['series.valueRange']({ seriesId });
        if (stream === controller) valueRange.value = exact.valueRange;
      }
      if (stream !== controller) return;
      redraw.stop();
      stream = null;
      voxelsRevision.value++;
      loading.value = null;
    } catch (error) {
      redraw.stop();
      if (error instanceof StreamCancelledError || stream !== controller) return;
      stream = null;
      loading.value = null;
      reportError(error);
      // Half a volume must not pass for a whole one: close what could not be completed.
      closeActive();
    }
  }

  /** Removes the active series from view and frees it on both sides. */
  function closeActive() {
    const ids = series.value.map((s) => s.seriesId);
    series.value = [];
    activeSeriesId.value = null;
    volume.value = null;
    valueRange.value = null;
    view.reset(null);
    void closeQuietly(ids);
  }

  /**
   * Cancel on the progress bar: stops the load on the main side or, once the study is on screen, the
   * streaming of its remaining slices; a partly loaded study is closed (half a volume misleads).
   */
  async function cancelLoad() {
    if (openTask.value) {
      ++generation;
      const task = openTask.value;
      openTask.value = null;
      busy.value = false;
      notice.value = 'Opening was cancelled.';
      await api['tasks.cancel']({ task }).catch(reportError);
      return;
    }
    if (!loading.value) return;
    stopStream();
    closeActive();
    notice.value = 'Loading was cancelled; the study was closed.';
  }

  const openPaths = (paths: string[]) => open((task) => api['studies.open']({ paths, task }));
  const openFiles = (files: DroppedFile[]) => open((task) => api['studies.openFiles']({ files, task }));

  /** At start-up: learn about the shell, then open what it was started with (e.g. `npm start`). */
  async function start() {
    await loadAppInfo();
    const paths = appInfo.value?.startupPaths ?? [];
    if (paths.length && !series.value.length) await openPaths(paths);
  }

  async function openSample() {
    if (!appInfo.value) await loadAppInfo();
    if (appInfo.value) await openPaths([appInfo.value.sampleStudy.image]);
  }

  async function selectSeries(seriesId: string) {
    if (seriesId === activeSeriesId.value) return;
    const summary = series.value.find((s) => s.seriesId === seriesId);
    if (!summary) return;
    const mine = ++generation;
    busy.value = true;
    try {
      await show(summary, mine);
    } catch (error) {
      if (mine === generation) reportError(error);
    } finally {
      if (mine === generation) busy.value = false;
    }
  }

  return {
    appInfo,
    series,
    activeSeriesId,
    volume,
    voxelsRevision,
    loading,
    volumeComplete,
    valueRange,
    errors,
    notice,
    recent,
    busy,
    openTask,
    reportError,
    dismissErrors,
    sliceArrived,
    loadAppInfo,
    start,
    refreshRecent,
    openPaths,
    openFiles,
    openSample,
    /** Opens what another request returns (the PACS browser's retrieve), with the same rules. */
    open,
    selectSeries,
    cancelLoad,
  };
});
