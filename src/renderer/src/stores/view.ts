// What the axial view shows: which slice and with which window/level. Reset whenever a new volume
// becomes active; views read it, interactions write it through the actions below.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Volume } from '../../../shared/volume';
import { axialIndexAxis, type IndexAxis } from '../imaging/axialAxis';
import { defaultWindowLevel, sortedSample, valueRange } from '../imaging/windowLevel';

export const useViewStore = defineStore('view', () => {
  const sliceAxis = ref<IndexAxis>(2);
  const sliceIndex = ref(0);
  const sliceCount = ref(0);
  const windowWidth = ref(1);
  const windowLevel = ref(0);
  /** Value range of the volume: window/level adjustments are fractions of it. */
  const valueSpan = ref(1);

  const hasSlices = computed(() => sliceCount.value > 0);

  function reset(volume: Volume | null) {
    if (!volume) {
      sliceCount.value = 0;
      sliceIndex.value = 0;
      return;
    }
    sliceAxis.value = axialIndexAxis(volume);
    sliceCount.value = volume.dims[sliceAxis.value];
    sliceIndex.value = Math.floor(sliceCount.value / 2);
    const sorted = sortedSample(volume.voxels);
    const [lo, hi] = valueRange(sorted);
    valueSpan.value = hi > lo ? hi - lo : 1;
    const wl = defaultWindowLevel(volume, sorted);
    windowWidth.value = wl.window;
    windowLevel.value = wl.level;
  }

  function setSlice(index: number) {
    if (!hasSlices.value) return;
    sliceIndex.value = Math.min(sliceCount.value - 1, Math.max(0, Math.round(index)));
  }

  function scrollBy(delta: number) {
    setSlice(sliceIndex.value + delta);
  }

  /** Deltas are fractions of the value range (a drag across the whole view ≈ 1). */
  function adjustWindowLevel(windowFraction: number, levelFraction: number) {
    // The floor scales with the data, so float volumes with a 0–1 range can still be narrowed.
    windowWidth.value = Math.max(
      valueSpan.value / 1000,
      windowWidth.value + windowFraction * valueSpan.value,
    );
    windowLevel.value += levelFraction * valueSpan.value;
  }

  return {
    sliceAxis,
    sliceIndex,
    sliceCount,
    windowWidth,
    windowLevel,
    hasSlices,
    reset,
    setSlice,
    scrollBy,
    adjustWindowLevel,
  };
});
