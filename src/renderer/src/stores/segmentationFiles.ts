// Segmentation files of the open study: loading a label map or DICOM SEG (one undoable version on the
// history, with a line saying how it was placed on the study), and saving the current version to the
// study's own save target (remembered per study; the extension follows the format; an existing file
// is overwritten only after the reader says so).
import { defineStore } from 'pinia';
import { computed, reactive, ref, watch } from 'vue';
import { ApiError } from '../../../shared/api';
import { api } from '../bridge';
import { isDicomSource } from '../ai';
import {
  formatOfPath,
  saveProblem,
  studyKey,
  withFormatExtension,
  type SaveFormat,
  type SaveTarget,
} from '../io';
import { useSegmentationStore } from './segmentation';
import { useStudiesStore } from './studies';

const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

export const useSegmentationFilesStore = defineStore('segmentationFiles', () => {
  const studies = useStudiesStore();
  const segmentation = useSegmentationStore();

  const busy = ref(false);
  /** How the last loaded file was placed on the study (resampled, partly outside), when not as is. */
  const notice = ref<string | null>(null);
  /** Per study: where its segmentation goes, and the last file it was saved to. */
  const targets = reactive(new Map<string, SaveTarget>());
  const saved = reactive(new Map<string, string>());
  /** A save waiting for the reader's word because the file exists. */
  const confirmOverwrite = ref<string | null>(null);

  const activeSeries = computed(
    () => studies.series.find((s) => s.seriesId === studies.activeSeriesId) ?? null,
  );
  const activeKey = computed(() => (activeSeries.value ? studyKey(activeSeries.value) : null));
  const dicomSource = computed(() => isDicomSource(activeSeries.value));
  const target = computed<SaveTarget>(
    () => (activeKey.value && targets.get(activeKey.value)) || { path: '', format: 'nifti' },
  );
  const lastSaved = computed(() => (activeKey.value ? (saved.get(activeKey.value) ?? null) : null));
  const problem = computed(() =>
    target.value.path.trim() ? saveProblem(target.value, dicomSource.value) : null,
  );

  // A note about the last load, or a pending question, belongs to the study it was about.
  watch(
    () => studies.volume,
    () => {
      notice.value = null;
      confirmOverwrite.value = null;
    },
  );

  function setTarget(next: SaveTarget) {
    if (!activeKey.value) return;
    targets.set(activeKey.value, next);
    confirmOverwrite.value = null;
  }
  /** A typed name: its extension chooses the format. */
  function setPath(path: string) {
    const named = formatOfPath(path);
    setTarget({
      path,
      format: named && (named === 'nifti' || dicomSource.value) ? named : target.value.format,
    });
  }
  /** A chosen format: the name's extension follows it. */
  function setFormat(format: SaveFormat) {
    setTarget({ path: withFormatExtension(target.value.path, format), format });
  }

  async function load(paths: string[]) {
    const seriesId = studies.activeSeriesId;
    if (!seriesId) return;
    busy.value = true;
    notice.value = null;
    try {
      const { placement, ...loaded } = await api['segmentation.load']({ seriesId, paths });
      // The study may have changed while the file was read: the labels belong to the one asked for.
      if (studies.activeSeriesId !== seriesId) return;
      const names = paths.map(baseName).join(', ');
      segmentation.replaceWith(loaded, `Loaded · ${names} · ${loaded.segments.length} structures`, 'load');
      notice.value = placement ?? null;
    } catch (error) {
      studies.reportError(error);
    } finally {
      busy.value = false;
    }
  }

  async function loadSample() {
    if (!studies.appInfo) await studies.loadAppInfo();
    if (studies.appInfo) await load([studies.appInfo.sampleStudy.labels]);
  }

  /** Saves the current version to the study's target; `overwrite` once the reader confirmed. */
  async function save(overwrite = false) {
    const seriesId = studies.activeSeriesId;
    const key = activeKey.value;
    const seg = segmentation.current();
    const { path, format } = target.value;
    if (!seriesId || !key || !seg || !path.trim()) return;
    if (problem.value) {
      studies.reportError(problem.value);
      return;
    }
    busy.value = true;
    confirmOverwrite.value = null;
    try {
      const result = await api['segmentation.save']({
        seriesId,
        path: path.trim(),
        format,
        segmentation: seg,
        algorithm: segmentation.algorithm(),
        overwrite,
      });
      saved.set(key, result.path);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'exists') confirmOverwrite.value = path.trim();
      else studies.reportError(error);
    } finally {
      busy.value = false;
    }
  }

  function cancelOverwrite() {
    confirmOverwrite.value = null;
  }

  return {
    busy,
    notice,
    target,
    lastSaved,
    problem,
    dicomSource,
    confirmOverwrite,
    setPath,
    setFormat,
    load,
    loadSample,
    save,
    cancelOverwrite,
  };
});
