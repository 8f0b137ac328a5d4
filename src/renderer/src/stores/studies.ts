// The open study: its series, the active series' volume, the errors of the last attempt to open
// something, and the recent-studies list. An open that fails leaves the previous study in place.
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { AppInfo, OpenResult, RecentStudy, RequestOf, SeriesSummary } from '../../../shared/api';
import type { Volume } from '../../../shared/volume';
import { api } from '../bridge';
import { describeError, describeFileError } from '../errors';
import { useViewStore } from './view';

export type DroppedFile = RequestOf<'studies.openFiles'>['files'][number];

export const useStudiesStore = defineStore('studies', () => {
  const view = useViewStore();

  const appInfo = ref<AppInfo | null>(null);
  const series = ref<SeriesSummary[]>([]);
  const activeSeriesId = ref<string | null>(null);
  // Voxels are big and never edited here: a shallow ref with markRaw keeps Vue from proxying them.
  const volume = shallowRef<Volume | null>(null);
  const errors = ref<string[]>([]);
  const recent = ref<RecentStudy[]>([]);
  const busy = ref(false);

  /** Each open gets a number; a slower earlier open that finishes late must not replace a newer one. */
  let generation = 0;

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

  async function open(request: () => Promise<OpenResult>) {
    const mine = ++generation;
    busy.value = true;
    errors.value = [];
    let opened: string[] = [];
    try {
      const result = await request();
      opened = result.series.map((s) => s.seriesId);
      const fileErrors = result.errors.map(describeFileError);
      const first = result.series[0];
      if (!first) {
        errors.value = fileErrors.length ? fileErrors : ['No readable image series was found.'];
        return;
      }
      const firstVolume = await api['series.volume']({ seriesId: first.seriesId });
      if (mine !== generation) {
        await closeQuietly(opened);
        return;
      }
      const previous = series.value.map((s) => s.seriesId);
      series.value = result.series;
      activate(first.seriesId, firstVolume);
      errors.value = fileErrors;
      void closeQuietly(previous.filter((id) => !result.series.some((s) => s.seriesId === id)));
      void refreshRecent();
    } catch (error) {
      // A study whose volume could not be fetched is not shown, so it must not stay loaded either.
      if (opened.length && !opened.includes(activeSeriesId.value ?? '')) void closeQuietly(opened);
      if (mine === generation) reportError(error);
    } finally {
      if (mine === generation) busy.value = false;
    }
  }

  function activate(seriesId: string, next: Volume) {
    activeSeriesId.value = seriesId;
    volume.value = markRaw(next);
    view.reset(next);
  }

  const openPaths = (paths: string[]) => open(() => api['studies.open']({ paths }));
  const openFiles = (files: DroppedFile[]) => open(() => api['studies.openFiles']({ files }));

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
    const mine = ++generation;
    busy.value = true;
    try {
      const next = await api['series.volume']({ seriesId });
      if (mine === generation) activate(seriesId, next);
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
    errors,
    recent,
    busy,
    reportError,
    dismissErrors,
    loadAppInfo,
    start,
    refreshRecent,
    openPaths,
    openFiles,
    openSample,
    /** Opens what another request returns (the PACS browser's retrieve), with the same rules. */
    open,
    selectSeries,
  };
});
