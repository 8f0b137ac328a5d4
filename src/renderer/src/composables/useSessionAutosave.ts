// Session autosave: two seconds after the last change the current version of the segmentation (and
// W/L and crosshair) goes to the main side's session store under the user's data folder — whatever
// made that version: a stroke, a correction, a model's result, a loaded file. When a study is shown
// again, its saved session comes back as one undoable version that says what it restores ("Restored ·
// Loaded · labels.nii.gz · 61 structures"), and the reader is offered the study without it.
// A save still waiting when the reader switches study is written at once, for the study it belongs to.

import { onScopeDispose, ref, watch } from 'vue';
import { sameGrid, type Segmentation } from '../../../shared/volume';
import { api } from '../bridge';
import { studyKey } from '../io';
import { savedAtLabel } from '../format';
import { useStudiesStore } from '../stores/studies';
import { useSegmentationStore } from '../stores/segmentation';
import { useViewStore } from '../stores/view';

const debounceMs = 2000;

interface PendingSave {
  key: string;
  segmentation: Segmentation;
  label: string;
  view: { windowWidth: number; windowLevel: number; cursor: [number, number, number] };
}

export interface RestoredSession {
  savedAt: string;
  /** What the restored version was when it was saved. */
  label: string | null;
  /** The version the restore made on the history. */
  versionId: number;
}

export function useSessionAutosave() {
  const studies = useStudiesStore();
  const segmentation = useSegmentationStore();
  const view = useViewStore();
  const lastSaved = ref<string | null>(null);
  const restored = ref<RestoredSession | null>(null);
  /** The reader chose the study without the restored session (Redo brings it back). */
  const declined = ref(false);
  let timer = 0;
  let pending: PendingSave | null = null;

  const keyOf = () => {
    const series = studies.series.find((s) => s.seriesId === studies.activeSeriesId);
    return series ? studyKey(series) : null;
  };
  const currentRow = () => segmentation.versions.find((r) => r.current) ?? null;

  async function write(save: PendingSave) {
    try {
      const { savedAt } = await api['session.save']({
        key: save.key,
        segmentation: save.segmentation,
        view: save.view,
        label: save.label,
      });
      if (keyOf() === save.key) lastSaved.value = savedAt;
    } catch (error) {
      studies.reportError(error);
    }
  }

  /** Writes the waiting save now; resolves once it is on disk (or failed and was reported). */
  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = 0;
    const save = pending;
    pending = null;
    return save ? write(save) : Promise.resolve();
  }

  // Any change of the current version is saved, except the start of the history (nothing shown,
  // or the study without its restored session: the saved one stays on disk) and the restore itself.
  watch(
    () => segmentation.changes,
    () => {
      const key = keyOf();
      const row = currentRow();
      const seg = segmentation.segmentation;
      // A stroke being drawn or a comparison is not a version; the stroke's end is a change of its own.
      if (!key || !seg || !row || row.id === null || segmentation.comparing || segmentation.stroking) return;
      if (restored.value && row.id === restored.value.versionId) return;
      if (restored.value && row.id !== restored.value.versionId) restored.value = null;
      pending = {
        key,
        segmentation: seg,
        label: row.label,
        view: { windowWidth: view.windowWidth, windowLevel: view.windowLevel, cursor: [...view.cursor] },
      };
      if (timer) clearTimeout(timer);
      timer = window.setTimeout(() => void flush(), debounceMs);
    },
  );

  // Switching study: the last change of the previous one is saved now, under its own key.
  watch(
    () => studies.volume,
    async (volume) => {
      // Written before anything is restored: reopening the same study must find this save.
      const written = flush();
      restored.value = null;
      declined.value = false;
      lastSaved.value = null;
      const key = keyOf();
      if (!key || !volume) return;
      try {
        await written;
        const saved = await api['session.restore']({ key });
        if (!saved || studies.volume !== volume || !sameGrid(saved.segmentation, volume)) return;
        // The reader already loaded or drew something: that is what is on screen, not the autosave.
        if (segmentation.versions.some((r) => r.id !== null)) return;
        const what = saved.label ?? `${saved.segmentation.segments.length} structures`;
        const versionId = segmentation.replaceWith(
          saved.segmentation,
          `Restored · autosave ${savedAtLabel(saved.savedAt)} · ${what}`,
          'restore',
        );
        restored.value = { savedAt: saved.savedAt, label: saved.label ?? null, versionId };
        if (saved.view) {
          view.windowWidth = saved.view.windowWidth;
          view.windowLevel = saved.view.windowLevel;
          view.setCursor(saved.view.cursor);
        }
      } catch (error) {
        studies.reportError(error);
      }
    },
  );

  /** The alternative to the restored session: the study as its files have it (Redo restores again). */
  function showWithout() {
    const at = segmentation.versions.find((r) => r.id === restored.value?.versionId);
    if (!at) return;
    segmentation.goTo(at.position - 1);
    declined.value = true;
  }
  /** Back to the restored session after showWithout. */
  function showRestored() {
    const at = segmentation.versions.find((r) => r.id === restored.value?.versionId);
    if (!at) return;
    segmentation.goTo(at.position);
    declined.value = false;
  }

  onScopeDispose(() => void flush());
  return { lastSaved, restored, declined, showWithout, showRestored };
}
