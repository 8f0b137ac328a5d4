// Session autosave: two seconds after the last edit the segmentation (and W/L and crosshair) goes to
// the main side's session store under the user's data folder; when a study is shown again, a saved
// session for it is restored, so edits survive closing the study and crashes.

import { onScopeDispose, ref, watch } from 'vue';
import { sameGrid } from '../../../shared/volume';
import { api } from '../bridge';
import { useStudiesStore } from '../stores/studies';
import { useSegmentationStore } from '../stores/segmentation';
import { useViewStore } from '../stores/view';

const debounceMs = 2000;

export function useSessionAutosave() {
  const studies = useStudiesStore();
  const segmentation = useSegmentationStore();
  const view = useViewStore();
  const lastSaved = ref<string | null>(null);
  const restoredFrom = ref<string | null>(null);
  let timer = 0;

  const keyOf = () => {
    const series = studies.series.find((s) => s.seriesId === studies.activeSeriesId);
    return series ? (series.seriesUid ?? series.path) : null;
  };

  async function saveNow() {
    timer = 0;
    const key = keyOf();
    const seg = segmentation.segmentation;
    if (!key || !seg) return;
    try {
      const { savedAt } = await api['session.save']({
        key,
        segmentation: seg,
        view: { windowWidth: view.windowWidth, windowLevel: view.windowLevel, cursor: [...view.cursor] },
      });
      lastSaved.value = savedAt;
      // Once the user has edited on top of a restored session, the saved state is the news.
      restoredFrom.value = null;
    } catch (error) {
      studies.reportError(error);
    }
  }

  // Edits bump revisions and adding a segment replaces the object but keeps its layers: both are
  // saved. A newly loaded or restored segmentation (other layers) is already on disk somewhere.
  watch([() => segmentation.revisions, () => segmentation.segmentation], ([, seg], [, before]) => {
    if (!seg || !before || seg.layers !== before.layers) return;
    if (timer) clearTimeout(timer);
    timer = window.setTimeout(() => void saveNow(), debounceMs);
  });

  watch(
    () => studies.volume,
    async (volume) => {
      restoredFrom.value = null;
      const key = keyOf();
      if (!key || !volume) return;
      try {
        const saved = await api['session.restore']({ key });
        if (!saved || studies.volume !== volume || !sameGrid(saved.segmentation, volume)) return;
        restoredFrom.value = saved.savedAt;
        segmentation.adopt(saved.segmentation);
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

  onScopeDispose(() => {
    if (timer) clearTimeout(timer);
  });
  return { lastSaved, restoredFrom };
}
